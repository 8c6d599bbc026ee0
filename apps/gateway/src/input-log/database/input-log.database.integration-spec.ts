import { PostgresServer } from '@ml-system/test-support';
import type { StoredInput, StoredOutcome } from '../input-log.types';
import { InputLogDatabase } from './input-log.database';
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
});
