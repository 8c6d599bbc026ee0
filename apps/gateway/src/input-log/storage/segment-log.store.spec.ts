import { appendFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instrumentedFs } from '../../testing/instrumented-fs';
import { makeTempDir, removeTempDir } from '../../testing/temp-dir';
import { waitFor } from '@ml-system/test-support';
import type { IdHash } from './id-hash';
import { isInputLogUnavailable } from '../input-log.errors';
import type { InputLogOptions } from '../input-log.options';
import { SALT_FILE } from '../input-log.redaction';
import { INDEX_DIR, SegmentLogStore } from './segment-log.store';
import { spillFileName } from './index-spill';
import type { InputLogEntry, InputRecord } from '../input-log.types';
import { encodeRecord, parseSegmentFileName, segmentFileName } from './segment-file';

const RECEIVED = '2025-01-01T00:00:00.000Z';
const input = (id: string, data = `text of ${id}`, forward = false): InputRecord => ({
  id,
  received_at: RECEIVED,
  data,
  forward_to_model: forward,
});

describe(SegmentLogStore.name, () => {
  let dir: string;
  let messages: string[];
  const services: SegmentLogStore[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('input-log');
    messages = [];
  });

  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
    await removeTempDir(dir);
  });

  async function openLog(overrides: Partial<InputLogOptions> = {}): Promise<SegmentLogStore> {
    const sink = (level: string) => (message: string) => messages.push(`${level}: ${message}`);
    const service = new SegmentLogStore({
      dir,
      redaction: 'none',
      segmentBytes: 1024 * 1024,
      retentionBytes: 1024 * 1024 * 1024,
      retryMs: 20,
      lingerMs: 5,
      logger: { log: sink('log'), warn: sink('warn'), error: sink('error') },
      ...overrides,
    });
    services.push(service);
    await service.open();
    return service;
  }

  async function reopen(
    service: SegmentLogStore,
    overrides: Partial<InputLogOptions> = {},
  ): Promise<SegmentLogStore> {
    await service.close();
    return openLog(overrides);
  }

  /** Every input, paging through the whole log `limit` at a time. */
  async function listAll(service: SegmentLogStore, limit = 7): Promise<InputLogEntry[]> {
    const all: InputLogEntry[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await service.list({ limit, before });
      all.push(...page.items);
      if (!page.next) return all;
      before = page.next;
    }
  }

  async function segmentFiles(): Promise<string[]> {
    return (await readdir(dir)).filter((name) => parseSegmentFileName(name) !== null).sort();
  }

  it('finds an input by id, merged with its outcome once that is recorded', async () => {
    const log = await openLog();
    await log.appendInput(input('req-1', 'a cat on a mat', true));
    expect(await log.find('req-1')).toEqual({
      id: 'req-1',
      received_at: RECEIVED,
      redaction: 'none',
      data: 'a cat on a mat',
      forward_to_model: true,
      outcome: null,
    });
    log.recordOutcome('req-1', {
      status: 'predicted',
      class: 'cat',
      confidence: 0.93,
      model: 'animal-text-nb',
      model_version: '1.0.0',
      latency_ms: 12,
    });
    const found = await waitFor(
      'the outcome',
      async () => (await log.find('req-1'))?.outcome ?? undefined,
    );
    expect(found).toEqual({
      status: 'predicted',
      class: 'cat',
      confidence: 0.93,
      model: 'animal-text-nb',
      model_version: '1.0.0',
      latency_ms: 12,
      recorded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await log.find('req-2')).toBeNull();
  });

  it('group-commits concurrent inputs', async () => {
    const log = await openLog();
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.appendInput(input(`r${i}`))));
    const stats = log.stats();
    expect(stats.recordsWritten).toBe(100);
    expect(stats.batches).toBeLessThan(100 / 4);
    expect(stats.indexedInputs).toBe(100);
    expect(stats.lastFsyncMs).toEqual(expect.any(Number));
  });

  it('lists newest first across segments, and finds everything again after a restart', async () => {
    let log = await openLog({ segmentBytes: 4096 });
    for (let i = 0; i < 60; i++) {
      await log.appendInput(input(`r${i}`, `payload ${i} `.repeat(8)));
      log.recordOutcome(
        `r${i}`,
        i % 2
          ? { status: 'logged', latency_ms: i }
          : { status: 'error', code: 'PREDICTOR_UNAVAILABLE', latency_ms: i },
      );
    }
    expect((await segmentFiles()).length).toBeGreaterThan(3);
    const expected = Array.from({ length: 60 }, (_, i) => `r${59 - i}`);
    expect((await listAll(log)).map((e) => e.id)).toEqual(expected);

    log = await reopen(log, { segmentBytes: 4096 });
    const all = await listAll(log);
    expect(all.map((e) => e.id)).toEqual(expected);
    // Outcomes were written after their responses, and close() made them durable.
    expect(all[0]?.outcome).toMatchObject({ status: 'logged', latency_ms: 59 });
    expect(all[59]?.outcome).toMatchObject({
      status: 'error',
      code: 'PREDICTOR_UNAVAILABLE',
      latency_ms: 0,
    });
    expect(all.every((e) => e.outcome !== null)).toBe(true);
    expect(log.stats().indexedInputs).toBe(60);
  });

  it('keeps the index consistent with retention, before and after a restart', async () => {
    const options = { segmentBytes: 4096, retentionBytes: 4 * 4096 };
    let log = await openLog(options);
    for (let i = 0; i < 200; i++) await log.appendInput(input(`r${i}`, 'x'.repeat(100)));

    const check = async (service: SegmentLogStore): Promise<void> => {
      const listed = await listAll(service, 50);
      expect(listed.length).toBe(service.stats().indexedInputs);
      expect(listed[0]?.id).toBe('r199');
      expect(await service.find('r0')).toBeNull();
      expect(await service.find('r199')).not.toBeNull();
      // Every listed input is findable, and the oldest kept follows the newest deleted.
      const oldest = Number(listed[listed.length - 1]?.id.slice(1));
      expect(listed.map((e) => e.id)).toEqual(
        Array.from({ length: 200 - oldest }, (_, i) => `r${199 - i}`),
      );
      const sizes = await Promise.all(
        (await segmentFiles()).map(async (name) => (await stat(join(dir, name))).size),
      );
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4 * 4096);
      expect(sizes.length).toBeLessThanOrEqual(4);
    };
    await check(log);
    log = await reopen(log, options);
    await check(log);
  });

  it('keeps the index of older inputs in files beside the log, answers from them, and drops them with their segments', async () => {
    const options = { segmentBytes: 4096, retentionBytes: 8 * 4096, indexChunkBits: 2 };
    await mkdir(join(dir, INDEX_DIR));
    const stale = spillFileName(1_000_000_001);
    await writeFile(join(dir, INDEX_DIR, stale), 'left by an earlier process');
    let log = await openLog(options);
    const count = 300;
    for (let i = 0; i < count; i++) {
      await log.appendInput(input(`r${i}`, 'x'.repeat(60)));
      log.recordOutcome(`r${i}`, { status: 'logged', latency_ms: i });
    }
    const spilled = async () => (await readdir(join(dir, INDEX_DIR))).sort();
    // Four inputs a chunk; all but the two newest chunks are in files, once written.
    const expectedFiles = (kept: number) => Math.floor(kept / 4) - 2;

    const check = async (service: SegmentLogStore): Promise<void> => {
      // The newest outcome is written a moment after its input's answer.
      await waitFor('the last outcome', async () => (await service.find(`r${count - 1}`))?.outcome);
      const kept = service.stats().indexedInputs;
      expect(kept).toBeGreaterThan(40);
      expect(kept).toBeLessThan(count);
      await waitFor(
        'the index files',
        async () => (await spilled()).length >= expectedFiles(kept) - 1,
      );
      const files = await spilled();
      expect(files).not.toContain(stale);
      expect(files.length).toBeGreaterThanOrEqual(expectedFiles(kept) - 1);
      expect(files.length).toBeLessThanOrEqual(expectedFiles(kept) + 1);
      const listed = await listAll(service, 25);
      expect(listed.map((e) => e.id)).toEqual(
        Array.from({ length: kept }, (_, i) => `r${count - 1 - i}`),
      );
      const latencies = listed.map((entry) => entry.outcome?.latency_ms);
      expect(latencies).toEqual(listed.map((entry) => Number(entry.id.slice(1))));
      for (const entry of listed) expect(await service.find(entry.id)).toEqual(entry);
      expect(await service.find(`r${count - kept - 1}`)).toBeNull();
    };
    await check(log);
    log = await reopen(log, options);
    await check(log);
  });

  it('skips a torn tail with a warning, truncates it, and carries on appending', async () => {
    let log = await openLog();
    for (let i = 0; i < 5; i++) await log.appendInput(input(`r${i}`));
    await log.close();
    const segment = join(dir, segmentFileName(1));
    const whole = (await stat(segment)).size;
    // What SIGKILL in the middle of a batch's write leaves behind.
    await appendFile(
      segment,
      encodeRecord({ type: 'input', id: 'torn', data: 'never acknowledged' }).subarray(0, 30),
    );

    log = await openLog();
    expect(messages.filter((m) => m.startsWith('warn:'))).toEqual([
      `warn: ${segmentFileName(1)}: skipped damaged records (torn at ${whole} (30 bytes)); truncated the torn tail at offset ${whole}`,
    ]);
    expect((await stat(segment)).size).toBe(whole);
    expect((await listAll(log)).map((e) => e.id)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    await log.appendInput(input('r5'));

    messages.length = 0;
    log = await reopen(log);
    expect(messages.filter((m) => m.startsWith('warn:'))).toEqual([]);
    expect((await listAll(log)).map((e) => e.id)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it('skips a corrupted record in an older segment and keeps everything else', async () => {
    let log = await openLog({ segmentBytes: 4096 });
    for (let i = 0; i < 40; i++) await log.appendInput(input(`r${i}`, 'y'.repeat(150)));
    await log.close();
    const first = join(dir, segmentFileName(1));
    const bytes = await readFile(first);
    bytes[bytes.indexOf('"r1"') + 1] = 'X'.charCodeAt(0);
    await writeFile(first, bytes);

    log = await openLog({ segmentBytes: 4096 });
    expect(messages.find((m) => m.startsWith('warn:'))).toMatch(
      /input-0000000000000001\.log: skipped damaged records \(checksum at \d+/,
    );
    expect(await log.find('r1')).toBeNull();
    expect(await log.find('rX')).toBeNull();
    expect((await listAll(log)).length).toBe(39);
    expect((await stat(first)).size).toBe(bytes.length);
  });

  it.each(['hash', 'length'] as const)(
    'with redaction=%s, the text appears in no file of the directory and in no log line',
    async (redaction) => {
      const secret = 'the secret plaintext 4711';
      let log = await openLog({ redaction });
      await log.appendInput(input('s1', secret));
      log.recordOutcome('s1', { status: 'logged', latency_ms: 1 });
      log = await reopen(log, { redaction });
      const found = await log.find('s1');
      expect(found?.outcome).toMatchObject({ status: 'logged' });
      expect(found).not.toHaveProperty('data');
      if (redaction === 'length')
        expect(found).toMatchObject({ redaction, data_length: secret.length });
      else
        expect(found).toMatchObject({
          redaction,
          data_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });

      const files = await readdir(dir);
      expect(files.length).toBeGreaterThan(0);
      for (const name of files)
        expect((await readFile(join(dir, name))).includes(secret)).toBe(false);
      expect(messages.join('\n')).not.toContain(secret);
    },
  );

  it('keeps the text with redaction=none, in the log only, never in a log line', async () => {
    const log = await openLog();
    await log.appendInput(input('n1', 'visible in the log only'));
    expect(await readFile(join(dir, segmentFileName(1)), 'utf8')).toContain(
      'visible in the log only',
    );
    expect(messages.join('\n')).not.toContain('visible in the log only');
  });

  it('keeps hashes comparable across restarts, and its files private', async () => {
    let log = await openLog({ redaction: 'hash' });
    await log.appendInput(input('h1', 'same text'));
    log = await reopen(log, { redaction: 'hash' });
    await log.appendInput(input('h2', 'same text'));
    const [first, second] = await Promise.all([log.find('h1'), log.find('h2')]);
    expect(first?.redaction === 'hash' && first.data_hash).toBe(
      second?.redaction === 'hash' && second.data_hash,
    );

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const name of [SALT_FILE, segmentFileName(1)])
      expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
  });

  it('uses INPUT_LOG_HASH_SALT instead of a salt file when given', async () => {
    const log = await openLog({ redaction: 'hash', hashSalt: 'kept-in-a-secret-store' });
    await log.appendInput(input('h1', 'text'));
    expect(await readdir(dir)).not.toContain(SALT_FILE);
  });

  it('refuses inputs while the directory cannot be created, says why, and recovers once it can', async () => {
    // Root ignores permission bits, so block the path with a regular file instead.
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    const log = await openLog({ dir: join(blocker, 'sub') });
    expect(log.writable()).toBe(false);
    expect(log.unavailableReason()).toBe('the log directory cannot be created or is gone');
    const refused: unknown = await log.appendInput(input('x')).catch((error: unknown) => error);
    expect(isInputLogUnavailable(refused)).toBe(true);
    await expect(log.find('x')).rejects.toMatchObject({
      reason: 'the log directory cannot be created or is gone',
    });
    expect(messages.find((m) => m.startsWith('error:'))).toContain('cannot be opened (ENOTDIR');
    log.recordOutcome('x', { status: 'logged', latency_ms: 1 });
    expect(log.stats().outcomesDropped).toBe(1);

    await rm(blocker);
    await waitFor('the retry to open the log', () => log.writable());
    await log.appendInput(input('y'));
    expect((await log.find('y'))?.id).toBe('y');
  });

  it('turns unavailable on a full disk, keeps answering queries, and takes inputs again once there is room', async () => {
    const { fs, probe } = instrumentedFs();
    const log = await openLog({ fs });
    await log.appendInput(input('before'));

    probe.failSync = 'ENOSPC';
    await expect(log.appendInput(input('refused'))).rejects.toMatchObject({
      reason: 'the disk is full',
    });
    expect(log.writable()).toBe(false);
    expect(log.unavailableReason()).toBe('the disk is full');
    expect((await log.find('before'))?.id).toBe('before');
    expect(await log.find('refused')).toBeNull();

    probe.failSync = null;
    await waitFor('recovery', () => log.writable());
    await log.appendInput(input('after'));
    expect((await listAll(log)).map((e) => e.id)).toEqual(['after', 'before']);
  });

  it('writes queued outcomes before closing', async () => {
    let log = await openLog({ lingerMs: 60_000 });
    await log.appendInput(input('o1'));
    log.recordOutcome('o1', { status: 'logged', latency_ms: 3 });
    log = await reopen(log);
    expect((await log.find('o1'))?.outcome).toMatchObject({ status: 'logged', latency_ms: 3 });
  });

  describe('with ids whose hashes collide', () => {
    const idHash: IdHash = (_id, out) => {
      out[0] = 1;
      out[1] = 2;
    };

    it('finds each id with its own outcome, before and after a restart', async () => {
      let log = await openLog({ idHash });
      const ids = ['x', 'y', 'z'];
      for (const [i, id] of ids.entries()) {
        await log.appendInput(input(id, `text of ${id}`));
        log.recordOutcome(id, { status: 'logged', latency_ms: i });
      }
      const check = async (service: SegmentLogStore): Promise<void> => {
        const listed = await waitFor('the outcomes', async () => {
          const all = await listAll(service, 2);
          return all.every((entry) => entry.outcome) ? all : undefined;
        });
        expect(listed.map((e) => [e.id, e.outcome?.latency_ms])).toEqual([
          ['z', 2],
          ['y', 1],
          ['x', 0],
        ]);
        for (const [i, id] of ids.entries()) {
          expect(await service.find(id)).toMatchObject({
            id,
            data: `text of ${id}`,
            outcome: { latency_ms: i },
          });
        }
        expect(await service.find('w')).toBeNull();
      };
      await check(log);
      log = await reopen(log, { idHash });
      await check(log);
    });

    it('stops looking for an id after 8 inputs of others with its hash', async () => {
      const log = await openLog({ idHash });
      await log.appendInput(input('early'));
      await log.appendInput(input('x'));
      for (let i = 0; i < 7; i++) await log.appendInput(input(`other-${i}`));
      expect((await log.find('x'))?.id).toBe('x');
      expect(await log.find('early')).toBeNull();
    });
  });

  it('refuses a cursor it did not make', async () => {
    const log = await openLog();
    await expect(log.list({ limit: 5, before: 'nonsense' })).rejects.toThrow(RangeError);
  });
});
