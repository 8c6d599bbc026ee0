import { PostgresServer, createTestPki } from '@ml-system/test-support';
import type { TestPki } from '@ml-system/test-support';
import type { StoredInput, StoredOutcome } from '../input-log.types';
import { InputLogDatabase, InstanceIdInUseError } from './input-log.database';
import type { ShipBatch } from './input-log.database';

/*
 * The shipper's writes against a real PostgreSQL (a private server in a temp
 * folder): an outcome lands on the input it belongs to, and on no other.
 */

interface Row extends Record<string, unknown> {
  id: string;
  instance_id: string;
  data: string;
  outcome: { status: string; latency_ms: number } | null;
  input_writes: number;
}

const input = (id: string, data: string, receivedAt: string): StoredInput => ({
  type: 'input',
  id,
  received_at: receivedAt,
  redaction: 'none',
  data,
  forward_to_model: false,
});

const outcome = (id: string, latencyMs: number): StoredOutcome => ({
  type: 'outcome',
  id,
  recorded_at: new Date().toISOString(),
  status: 'logged',
  latency_ms: latencyMs,
});

const batch = (...log: Array<StoredInput | StoredOutcome>): ShipBatch => ({
  log,
  records: log.length,
});

describe(InputLogDatabase.name, () => {
  let server: PostgresServer;
  let database: InputLogDatabase;
  let next = 0;
  /** Positions only move forward; their values do not matter here. */
  const position = () => ({ seq: 1, offset: ++next * 100, records: next });

  beforeAll(async () => {
    server = await PostgresServer.start();
    database = new InputLogDatabase({ url: server.url, poolSize: 2, statementTimeoutMs: 2000 });
    await database.migrate();
  }, 90_000);

  afterAll(async () => {
    await database?.close();
    await server?.dispose();
  });

  beforeEach(async () => {
    await server.query('TRUNCATE input_log, input_log_shipper');
  });

  const rows = (): Promise<Row[]> =>
    server.query<Row>(
      'SELECT id, instance_id, data, outcome, input_writes FROM input_log ORDER BY id',
    );

  it('merges an outcome shipped after its input into the one row, without writing the input again', async () => {
    await database.ship(
      'gw-a',
      batch(input('r1', 'first', '2026-01-01T00:00:00.000Z')),
      position(),
    );
    await database.ship('gw-a', batch(outcome('r1', 7)), position());
    expect(await rows()).toEqual([
      {
        id: 'r1',
        instance_id: 'gw-a',
        data: 'first',
        outcome: { status: 'logged', latency_ms: 7 },
        input_writes: 1,
      },
    ]);
  });

  it('does not give a new input the outcome of an earlier input with its id in the same batch', async () => {
    await database.ship(
      'gw-a',
      batch(
        input('r1', 'first', '2026-01-01T00:00:00.000Z'),
        outcome('r1', 7),
        input('r1', 'second', '2026-01-01T00:00:01.000Z'),
      ),
      position(),
    );
    expect(await rows()).toEqual([
      { id: 'r1', instance_id: 'gw-a', data: 'second', outcome: null, input_writes: 1 },
    ]);

    // Its own outcome, later in the batch, is kept.
    await database.ship(
      'gw-a',
      batch(
        input('r2', 'first', '2026-01-01T00:00:00.000Z'),
        outcome('r2', 7),
        input('r2', 'second', '2026-01-01T00:00:01.000Z'),
        outcome('r2', 9),
      ),
      position(),
    );
    expect((await rows())[1]).toMatchObject({
      id: 'r2',
      data: 'second',
      outcome: { status: 'logged', latency_ms: 9 },
    });
  });

  it('does not put one replica’s outcome on the input another replica took with the same id since', async () => {
    await database.ship('gw-a', batch(input('r1', 'on a', '2026-01-01T00:00:00.000Z')), position());
    await database.ship('gw-b', batch(input('r1', 'on b', '2026-01-01T00:00:01.000Z')), position());
    // A's outcome for its own (older) input comes last.
    await database.ship('gw-a', batch(outcome('r1', 7)), position());
    expect(await rows()).toEqual([
      { id: 'r1', instance_id: 'gw-b', data: 'on b', outcome: null, input_writes: 2 },
    ]);
  });

  it('lets one process at a time ship under an instance id, until its connection ends', async () => {
    const other = new InputLogDatabase({ url: server.url, poolSize: 1, statementTimeoutMs: 2000 });
    try {
      await database.ship('gw-a', batch(input('r1', 'x', '2026-01-01T00:00:00.000Z')), position());
      await expect(other.position('gw-a')).rejects.toThrow(InstanceIdInUseError);
      await expect(
        other.ship('gw-a', batch(input('r2', 'y', '2026-01-01T00:00:00.000Z')), position()),
      ).rejects.toThrow(/another gateway ships as GATEWAY_INSTANCE_ID "gw-a"/);
      // Other ids are free, and the refused batch left nothing behind.
      await expect(other.position('gw-b')).resolves.toBeNull();
      expect((await rows()).map((row) => row.id)).toEqual(['r1']);

      // The holder's connection ends (as when its process dies): the id is free.
      // (Every gateway connection, waiting up to 5 s for each to be gone.)
      await server.query(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = 'gateway-input-log'",
      );
      await other.close();
      const next = new InputLogDatabase({ url: server.url, poolSize: 1, statementTimeoutMs: 2000 });
      try {
        await expect(next.position('gw-a')).resolves.toMatchObject({ seq: 1 });
      } finally {
        await next.close();
      }
      // The first one finds its connection gone, and takes the id again on its next try.
      // (Its first query may fail on the dead connection, or find it noticed already.)
      await expect(
        database.position('gw-a').catch(() => database.position('gw-a')),
      ).resolves.toMatchObject({ seq: 1 });
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});

describe(`${InputLogDatabase.name} over TLS (INPUT_LOG_DATABASE_CA_FILE)`, () => {
  let pki: TestPki;
  let server: PostgresServer;

  beforeAll(async () => {
    pki = createTestPki();
    server = await PostgresServer.start({ tls: { cert: pki.server.cert, key: pki.server.key } });
  }, 90_000);

  afterAll(async () => {
    await server?.dispose();
    pki?.cleanup();
  });

  /** Whether the gateway's connections to the server are all TLS, and how many there are. */
  const gatewayConnections = () =>
    server.query<{ ssl: boolean }>(
      "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'gateway-input-log'",
    );

  it('verifies the server against the CA file, whatever sslmode the URL names', async () => {
    for (const url of [server.url, `${server.url}?sslmode=verify-full`]) {
      const database = new InputLogDatabase({
        url,
        caFile: pki.server.ca,
        poolSize: 1,
        // Also the connect timeout: a TLS handshake on a busy machine can take seconds.
        statementTimeoutMs: 10_000,
      });
      try {
        await database.migrate();
        await database.ship(
          'gw-tls',
          batch(input(`tls-${url.length}`, 'x', '2026-01-01T00:00:00.000Z')),
          { seq: 1, offset: url.length, records: 1 },
        );
        await expect(database.find(`tls-${url.length}`)).resolves.toMatchObject({ data: 'x' });
        const connections = await gatewayConnections();
        expect(connections.length).toBeGreaterThan(0);
        expect(connections.every((connection) => connection.ssl)).toBe(true);
      } finally {
        await database.close();
      }
    }
  }, 30_000);

  it('refuses a server whose certificate another CA signed', async () => {
    const database = new InputLogDatabase({
      url: `${server.url}?sslmode=verify-full`,
      caFile: pki.rogueServer.ca,
      poolSize: 1,
      statementTimeoutMs: 10_000,
    });
    try {
      await expect(database.find('anything')).rejects.toThrow(/certificate/);
    } finally {
      await database.close();
    }
  }, 30_000);
});
