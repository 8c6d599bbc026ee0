import { readdir } from 'node:fs/promises';
import { PostgresServer, waitFor } from '@ml-system/test-support';
import { instrumentedFs } from '../../testing/instrumented-fs';
import { makeTempDir, removeTempDir } from '../../testing/temp-dir';
import { InputLogDatabase } from '../database/input-log.database';
import type { InputLogOptions } from '../input-log.options';
import { SegmentLogStore } from '../storage/segment-log.store';
import { parseSegmentFileName } from '../storage/segment-file';
import { InputLogShipper } from './input-log.shipper';
import type { ShipperOptions } from './input-log.shipper';

/*
 * The shipper against a real PostgreSQL (a private server in a temp folder):
 * every record lands once, with the position, through restarts and outages.
 */

interface Row extends Record<string, unknown> {
  id: string;
  instance_id: string;
  data: string;
  outcome: { status: string; latency_ms: number } | null;
  input_writes: number;
}

describe(InputLogShipper.name, () => {
  let server: PostgresServer;
  let dir: string;
  let messages: string[];
  const stores: SegmentLogStore[] = [];
  const shippers: InputLogShipper[] = [];

  beforeAll(async () => {
    server = await PostgresServer.start();
  }, 90_000);

  afterAll(async () => {
    await server?.dispose();
  });

  beforeEach(async () => {
    dir = await makeTempDir('input-log');
    messages = [];
    if (!server.running) await server.resume();
    // The schema stays (the first shipper migrated it); the rows of the previous test go.
    await server.query(
      "DO $$ BEGIN IF to_regclass('input_log') IS NOT NULL THEN TRUNCATE input_log, input_log_shipper; END IF; END $$",
    );
  });

  afterEach(async () => {
    for (const shipper of shippers.splice(0)) await shipper.stop(0);
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await removeTempDir(dir);
  });

  const sink = (level: string) => (message: string) => messages.push(`${level}: ${message}`);
  const logger = { log: sink('log'), warn: sink('warn'), error: sink('error') };

  /** A store and its shipper, as the module wires them (the shipper holds segments before the store opens). */
  async function open(
    overrides: Partial<InputLogOptions> = {},
    shipping: Partial<ShipperOptions> = {},
    database = new InputLogDatabase({ url: server.url, poolSize: 2, statementTimeoutMs: 2000 }),
  ): Promise<{ store: SegmentLogStore; shipper: InputLogShipper }> {
    const store = new SegmentLogStore({
      dir,
      redaction: 'none',
      segmentBytes: 1024 * 1024,
      retentionBytes: 1024 * 1024 * 1024,
      retryMs: 20,
      lingerMs: 5,
      logger,
      ...overrides,
    });
    stores.push(store);
    const shipper = new InputLogShipper(store, database, {
      instanceId: 'gw-a',
      backlogBytes: 64 * 1024 * 1024,
      initialDelayMs: 20,
      maxDelayMs: 200,
      logger,
      ...shipping,
    });
    shippers.push(shipper);
    await store.open();
    shipper.start();
    return { store, shipper };
  }

  async function accept(store: SegmentLogStore, from: number, count: number): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const id = `req-${from + i}`;
        await store.appendInput({
          id,
          received_at: new Date().toISOString(),
          data: `text ${id}`,
          forward_to_model: false,
        });
        store.recordOutcome(id, { status: 'logged', latency_ms: 1 });
      }),
    );
  }

  const rows = (): Promise<Row[]> =>
    server.query<Row>(
      'SELECT id, instance_id, data, outcome, input_writes FROM input_log ORDER BY id',
    );

  async function waitForRows(
    count: number,
    what = `${count} rows with their outcomes`,
  ): Promise<Row[]> {
    return waitFor(
      what,
      async () => {
        const found = await rows();
        return found.length === count && found.every((row) => row.outcome !== null)
          ? found
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
  }

  it('ships every input and its outcome once, with its position, and resumes after a restart', async () => {
    const first = await open();
    await accept(first.store, 0, 50);
    const shipped = await waitForRows(50);
    expect(shipped[0]).toEqual({
      id: 'req-0',
      instance_id: 'gw-a',
      data: 'text req-0',
      outcome: { status: 'logged', latency_ms: 1 },
      input_writes: 1,
    });
    await first.store.close();
    await first.shipper.stop(5000);
    expect(first.shipper.status().unshippedRecords).toBe(0);

    const second = await open();
    await accept(second.store, 50, 10);
    const all = await waitForRows(60);
    // Nothing shipped twice: the second shipper resumed at the position the first one committed.
    expect(all.filter((row) => row.input_writes !== 1)).toEqual([]);
    expect(
      await server.query('SELECT instance_id, shipped_records FROM input_log_shipper'),
    ).toEqual([{ instance_id: 'gw-a', shipped_records: '120' }]);
  }, 60_000);

  it('ships from memory what it keeps up with, and from disk when it lags or after a restart', async () => {
    const shipperFs = instrumentedFs();
    /** Segment files the shipper opened to read back (the store has a file system of its own). */
    const diskReads = (): number => shipperFs.probe.opened.length;
    const first = await open({}, { fs: shipperFs.fs, recentBytes: 16 * 1024 });
    await waitFor('the shipper to start', () => first.shipper.status().state === 'caught_up');
    for (let i = 0; i < 50; i += 10) await accept(first.store, i, 10);
    await waitForRows(50);
    expect(diskReads()).toBe(0);

    // Behind by more than memory holds: the rest comes from disk, once each.
    await server.stop();
    await accept(first.store, 50, 200);
    await waitFor('the shipper to notice', () => first.shipper.status().state === 'retrying');
    await server.resume();
    await waitForRows(250, 'the backlog to be shipped');
    expect(diskReads()).toBeGreaterThan(0);

    // Not shipped before a stop: the next process finds it on disk.
    await waitFor('the shipper to catch up', () => first.shipper.status().state === 'caught_up');
    await server.stop();
    await accept(first.store, 250, 10);
    await first.store.close();
    await first.shipper.stop(0);
    await server.resume();
    const againFs = instrumentedFs();
    await open({}, { fs: againFs.fs });
    const all = await waitForRows(260, 'what was left to be shipped');
    expect(againFs.probe.opened.length).toBeGreaterThan(0);
    expect(all.filter((row) => row.input_writes !== 1)).toEqual([]);
    expect(await server.query('SELECT shipped_records FROM input_log_shipper')).toEqual([
      { shipped_records: '520' },
    ]);
  }, 90_000);

  it('lets records gather after a small batch instead of a transaction per group commit', async () => {
    const batches: number[] = [];
    const { store } = await open(
      {},
      { lingerMs: 500, onBatch: (records) => batches.push(records) },
    );
    await accept(store, 0, 1);
    await waitForRows(1);
    // One group commit each: without the linger, each would wake the shipper for a batch of its own.
    for (let i = 1; i <= 20; i++) await accept(store, i, 1);
    await waitForRows(21);
    expect(batches.reduce((sum, records) => sum + records, 0)).toBe(42);
    expect(batches.length).toBeLessThanOrEqual(3);
  }, 60_000);

  it('keeps the backlog on disk while the database is down, holds its segments, and catches up', async () => {
    const { store, shipper } = await open({ segmentBytes: 4096, retentionBytes: 3 * 4096 });
    await accept(store, 0, 5);
    await waitForRows(5);
    await server.stop();
    await accept(store, 5, 200);
    await waitFor('the shipper to notice', () => shipper.status().state === 'retrying');
    const during = shipper.status();
    expect(during.unshippedRecords).toBeGreaterThanOrEqual(200);
    expect(during.unshippedBytes).toBeGreaterThan(3 * 4096);
    // Retention would keep 3 segments; every unshipped one stays.
    const segments = (await readdir(dir)).filter((name) => parseSegmentFileName(name) !== null);
    expect(segments.length).toBeGreaterThan(3);
    expect(
      messages.some((m) => m.startsWith('warn: shipping the input log to the database failed')),
    ).toBe(true);

    await server.resume();
    const all = await waitForRows(205, 'the backlog to be shipped');
    expect(all.filter((row) => row.input_writes !== 1)).toEqual([]);
    await waitFor('the shipper to catch up', () => shipper.status().state === 'caught_up');
    expect(shipper.status()).toMatchObject({ unshippedRecords: 0, consecutiveFailures: 0 });
    // Shipped, the old segments go again with the next rotation.
    await accept(store, 205, 40);
    await waitForRows(245);
    await waitFor('retention to apply again', async () => {
      const left = (await readdir(dir)).filter((name) => parseSegmentFileName(name) !== null);
      return left.length <= 4;
    });
  }, 90_000);

  it('deletes the held segments beyond retention once shipped, without waiting for a rotation', async () => {
    const { store, shipper } = await open({ segmentBytes: 4096, retentionBytes: 3 * 4096 });
    await waitFor('the shipper to start', () => shipper.status().state === 'caught_up');
    await server.stop();
    await accept(store, 0, 200);
    const segmentFiles = async (): Promise<number> =>
      (await readdir(dir)).filter((name) => parseSegmentFileName(name) !== null).length;
    const held = await segmentFiles();
    expect(held).toBeGreaterThan(4);
    await server.resume();
    await waitForRows(200, 'the backlog to be shipped');
    // Nothing more is written, so no rotation comes: the shipper's progress alone frees the disk.
    await waitFor('retention to apply', async () => (await segmentFiles()) <= 4);
  }, 60_000);

  it('ships nothing while another shipper holds its instance id, and leaves that one undisturbed', async () => {
    const first = await open();
    await accept(first.store, 0, 5);
    await waitForRows(5);
    const otherDir = await makeTempDir('input-log-twin');
    try {
      const twin = await open({ dir: otherDir });
      await accept(twin.store, 100, 5);
      await waitFor('the twin to be refused', () => twin.shipper.status().state === 'retrying');
      expect(twin.shipper.status().lastError).toMatch(
        /another gateway ships as GATEWAY_INSTANCE_ID "gw-a"/,
      );
      expect(messages).toContainEqual(
        expect.stringMatching(/^error: another gateway ships as GATEWAY_INSTANCE_ID "gw-a"/),
      );
      // The position is still the first one's: its next records land, none is skipped.
      await accept(first.store, 5, 5);
      const landed = await waitForRows(10);
      expect(landed.map((row) => row.id)).not.toContain('req-100');
      expect(landed.filter((row) => row.input_writes !== 1)).toEqual([]);
    } finally {
      await Promise.all(shippers.splice(0).map((shipper) => shipper.stop(0)));
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await removeTempDir(otherDir);
    }
  }, 60_000);

  it('does not ship a batch again when its commit landed but the answer was lost', async () => {
    /** The server commits, then the connection breaks before the client hears it: once. */
    class LostCommitAnswer extends InputLogDatabase {
      lost = 0;
      override async ship(...args: Parameters<InputLogDatabase['ship']>): Promise<void> {
        await super.ship(...args);
        if (this.lost++ === 0) throw new Error('Connection terminated unexpectedly');
      }
    }
    const database = new LostCommitAnswer({
      url: server.url,
      poolSize: 2,
      statementTimeoutMs: 2000,
    });
    const { store, shipper } = await open({}, {}, database);
    await accept(store, 0, 20);
    await waitForRows(20);
    await waitFor('the shipper to catch up', () => shipper.status().state === 'caught_up');
    expect(database.lost).toBeGreaterThanOrEqual(1);
    expect((await rows()).filter((row) => row.input_writes !== 1)).toEqual([]);
    expect(shipper.status()).toMatchObject({ shippedRecords: 40, consecutiveFailures: 0 });
    expect(await server.query('SELECT shipped_records FROM input_log_shipper')).toEqual([
      { shipped_records: '40' },
    ]);
  }, 60_000);

  it('reports the backlog full at its bound, and not once it is shipped', async () => {
    const { store, shipper } = await open({}, { backlogBytes: 8 * 1024 });
    await waitFor('the shipper to start', () => shipper.status().state === 'caught_up');
    await server.stop();
    for (let n = 0; !shipper.backlogFull(); n += 10) {
      expect(n).toBeLessThan(1000);
      await accept(store, n, 10);
    }
    expect(shipper.status()).toMatchObject({ backlogFull: true });
    expect(messages.some((m) => m.includes('new inputs are refused with 503'))).toBe(true);
    await server.resume();
    await waitFor('the backlog to drain', () => !shipper.backlogFull(), { timeoutMs: 20_000 });
    expect(messages.some((m) => m.includes('below its bound again'))).toBe(true);
  }, 60_000);
});
