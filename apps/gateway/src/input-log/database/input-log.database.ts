import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import type { ClientConfig } from 'pg';
import { requestedModelOf } from '../requested-model';
import type { FollowPosition } from '../storage/segment-follower';
import type { InputLogEntry, InputOutcome, RedactedData } from '../input-log.types';

/** Beside this file in the sources; copied beside main.js in the build (apps/gateway/webpack.config.js). */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');
export const MIGRATIONS_TABLE = 'input_log_migrations';

export interface InputLogDatabaseOptions {
  url: string;
  /** PEM of the CA that signed the server's certificate: TLS required and verified. */
  caFile?: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** Where migration messages go. */
  log?: (message: string) => void;
}

/** A page position in the database: the last row's (received_at, id). */
export interface DatabaseCursor {
  receivedAt: string;
  id: string;
}

const DB_CURSOR = /^d\.([A-Za-z0-9_-]{1,700})$/;

export function encodeDatabaseCursor(cursor: DatabaseCursor): string {
  return `d.${Buffer.from(JSON.stringify([cursor.receivedAt, cursor.id]), 'utf8').toString('base64url')}`;
}

/** The cursor in a `before` of a database page, or null when it is not one. */
export function decodeDatabaseCursor(text: string): DatabaseCursor | null {
  const match = DB_CURSOR.exec(text);
  if (!match?.[1]) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [receivedAt, id] = value as unknown[];
    if (typeof receivedAt !== 'string' || typeof id !== 'string') return null;
    if (Number.isNaN(Date.parse(receivedAt))) return null;
    return { receivedAt, id };
  } catch {
    return null;
  }
}

interface Row {
  id: string;
  received_at: Date;
  redaction: 'none' | 'hash' | 'length';
  data: string | null;
  data_hash: string | null;
  data_length: number | null;
  forward_to_model: boolean;
  model: string | null;
  model_version: string | null;
  kind: 'infer' | null;
  outcome: InputOutcome | null;
  outcome_recorded_at: Date | null;
}

const COLUMNS = `id, received_at, redaction, data, data_hash, data_length, forward_to_model, model, model_version, kind, outcome, outcome_recorded_at`;

function redactedOf(row: Row): RedactedData {
  switch (row.redaction) {
    case 'hash':
      return { redaction: 'hash', data_hash: row.data_hash ?? '' };
    case 'length':
      return { redaction: 'length', data_length: row.data_length ?? 0 };
    default:
      return { redaction: 'none', data: row.data ?? '' };
  }
}

function entryOf(row: Row): InputLogEntry {
  return {
    id: row.id,
    received_at: row.received_at.toISOString(),
    ...redactedOf(row),
    forward_to_model: row.forward_to_model,
    ...requestedModelOf({
      ...(row.model !== null && { model: row.model }),
      ...(row.model_version !== null && { model_version: row.model_version }),
      ...(row.kind !== null && { kind: row.kind }),
    }),
    outcome:
      row.outcome && row.outcome_recorded_at
        ? { ...row.outcome, recorded_at: row.outcome_recorded_at.toISOString() }
        : null,
  };
}

/**
 * Another process ships under this instance id: it holds the id's lock. Two
 * replicas with one GATEWAY_INSTANCE_ID would overwrite each other's position
 * (each a place in its own log), so the second one does not ship at all.
 */
export class InstanceIdInUseError extends Error {
  constructor(readonly instanceId: string) {
    super(
      `another gateway ships as GATEWAY_INSTANCE_ID "${instanceId}" (it holds the id's lock in the database): ` +
        'this one ships nothing until that one stops; the id must be unique per replica and stay with its log directory',
    );
    this.name = 'InstanceIdInUseError';
  }
}

/** The shipper's connection, which holds its instance id's lock for as long as it lives. */
interface ShipperSession {
  client: Client;
  instanceId: string;
  broken: boolean;
}

const SESSION_END_WAIT_MS = 1000;

/** The advisory lock of an instance id: 64 bits of its hash (node-pg-migrate's lock is a small constant). */
const INSTANCE_LOCK = `SELECT pg_try_advisory_lock(hashtextextended('input_log_shipper:' || $1, 0)) AS locked`;

/** A batch of the local log, as the shipper hands it over. */
export interface ShipBatch {
  /**
   * The inputs and outcomes, in log order, as one UTF-8 JSON array: the
   * records' own JSON from the log, unparsed (an outcome belongs to the input
   * of its id before it). Elements that are not an input or an outcome are skipped.
   */
  json: Buffer;
  /** Records the batch covers (inputs, outcomes and records of no kind), for the position's count. */
  records: number;
}

/** A batch of these records (tests, and anything that holds them parsed). */
export function shipBatchOf(records: readonly object[]): ShipBatch {
  return { json: Buffer.from(JSON.stringify(records), 'utf8'), records: records.length };
}

/**
 * A batch and the position after it, in one statement (so in one
 * transaction, one round trip): either both land or neither. The server
 * parses the records' JSON, so the gateway neither parses them nor encodes a
 * parameter per value. Per id, the last input of the batch is upserted (an
 * input shipped again keeps its outcome; another input with this id starts
 * over), together with the last outcome recorded after it; an outcome whose
 * input came in an earlier batch is merged into that row, only if this
 * instance wrote it (another replica that took the same id since owns the
 * row now). An outcome followed by a new input with its id belongs to the
 * input before: it is dropped. The two writes touch different ids, as a
 * statement's parts must (they do not see each other's rows).
 */
const SHIP = `
WITH per_id AS (
  -- One pass, grouped by id: a join between the batch's records would be planned for the
  -- hundred rows a set-returning function is assumed to give, and compare every record with
  -- every other (a full batch then outran the statement timeout).
  SELECT e.r->>'id' AS id,
    max(e.ord) FILTER (WHERE e.r->>'type' = 'input') AS input_ord,
    max(e.ord) FILTER (WHERE e.r->>'type' = 'outcome') AS outcome_ord,
    (array_agg(e.r ORDER BY e.ord DESC) FILTER (WHERE e.r->>'type' = 'input'))[1] AS input,
    (array_agg(e.r ORDER BY e.ord DESC) FILTER (WHERE e.r->>'type' = 'outcome'))[1] AS outcome
  FROM jsonb_array_elements(convert_from($2::bytea, 'UTF8')::jsonb) WITH ORDINALITY AS e(r, ord)
  WHERE jsonb_typeof(e.r->'id') = 'string' AND e.r->>'type' IN ('input', 'outcome')
  GROUP BY 1
),
merged AS (
  -- The last outcome counts only if it came after the last input of its id.
  SELECT id, input, o AS outcome_record,
    (o->>'recorded_at')::timestamptz AS recorded_at,
    -- As GET /logs returns it, without the record's type, id and time.
    CASE o->>'status'
      WHEN 'predicted' THEN jsonb_build_object('status', o->'status', 'class', o->'class',
        'confidence', o->'confidence', 'model_version', o->'model_version', 'latency_ms', o->'latency_ms')
        || answered_by
      WHEN 'inferred' THEN jsonb_build_object('status', o->'status',
        'model_version', o->'model_version', 'latency_ms', o->'latency_ms') || answered_by
      WHEN 'error' THEN jsonb_build_object('status', o->'status', 'code', o->'code', 'latency_ms', o->'latency_ms')
      ELSE jsonb_build_object('status', o->'status', 'latency_ms', o->'latency_ms')
    END AS outcome
  FROM per_id,
    LATERAL (SELECT CASE WHEN outcome_ord > coalesce(input_ord, 0) THEN per_id.outcome END AS o) AS last,
    -- The model that answered, absent from the outcomes recorded before it was.
    LATERAL (SELECT CASE WHEN o ? 'model' THEN jsonb_build_object('model', o->'model')
      ELSE '{}'::jsonb END AS answered_by) AS model
),
inputs AS (
  INSERT INTO input_log AS t (id, instance_id, received_at, redaction, data, data_hash, data_length,
    forward_to_model, model, model_version, kind, outcome, outcome_recorded_at)
  SELECT id, $1, (input->>'received_at')::timestamptz, input->>'redaction',
    CASE input->>'redaction' WHEN 'none' THEN input->>'data' END,
    CASE input->>'redaction' WHEN 'hash' THEN input->>'data_hash' END,
    CASE input->>'redaction' WHEN 'length' THEN (input->>'data_length')::int END,
    (input->>'forward_to_model')::bool, input->>'model', input->>'model_version', input->>'kind',
    CASE WHEN outcome_record IS NOT NULL THEN outcome END, recorded_at
  FROM merged WHERE input IS NOT NULL
  ON CONFLICT (id) DO UPDATE SET
    input_writes = t.input_writes + 1,
    -- The same input again (a replay) keeps its outcome unless the batch brings one; another input with this id starts over.
    outcome = CASE WHEN EXCLUDED.outcome IS NOT NULL THEN EXCLUDED.outcome
      WHEN t.instance_id = EXCLUDED.instance_id AND t.received_at = EXCLUDED.received_at THEN t.outcome END,
    outcome_recorded_at = CASE WHEN EXCLUDED.outcome IS NOT NULL THEN EXCLUDED.outcome_recorded_at
      WHEN t.instance_id = EXCLUDED.instance_id AND t.received_at = EXCLUDED.received_at THEN t.outcome_recorded_at END,
    instance_id = EXCLUDED.instance_id, received_at = EXCLUDED.received_at, redaction = EXCLUDED.redaction,
    data = EXCLUDED.data, data_hash = EXCLUDED.data_hash, data_length = EXCLUDED.data_length,
    forward_to_model = EXCLUDED.forward_to_model, model = EXCLUDED.model,
    model_version = EXCLUDED.model_version, kind = EXCLUDED.kind, shipped_at = now()
),
outcomes AS (
  UPDATE input_log AS t SET outcome = m.outcome, outcome_recorded_at = m.recorded_at
  FROM merged m
  WHERE m.input IS NULL AND m.outcome_record IS NOT NULL AND t.id = m.id AND t.instance_id = $1
)
INSERT INTO input_log_shipper AS s (instance_id, segment, byte_offset, segment_records, shipped_records)
VALUES ($1, $3, $4, $5, $6)
ON CONFLICT (instance_id) DO UPDATE SET segment = $3, byte_offset = $4, segment_records = $5,
  shipped_records = s.shipped_records + $6, updated_at = now()`;

/**
 * The gateway's PostgreSQL: a pool with TLS and statement timeouts, the
 * schema (node-pg-migrate), the shipper's writes and GET /logs's reads.
 */
export class InputLogDatabase {
  private readonly pool: Pool;
  private readonly clientConfig: ClientConfig;
  private session: ShipperSession | null = null;

  constructor(private readonly options: InputLogDatabaseOptions) {
    this.clientConfig = {
      // With a CA file, TLS is set here: node-postgres would let the URL's sslmode win and ignore the CA.
      connectionString: options.caFile ? withoutTlsParameters(options.url) : options.url,
      // The server cancels a long statement; the client stops waiting a little later.
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + 1000,
      connectionTimeoutMillis: options.statementTimeoutMs,
      // A server that vanished without closing the connection is noticed.
      keepAlive: true,
      application_name: 'gateway-input-log',
      ...(options.caFile
        ? { ssl: { ca: readFileSync(options.caFile, 'utf8'), rejectUnauthorized: true } }
        : {}),
    };
    this.pool = new Pool({
      ...this.clientConfig,
      max: options.poolSize,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that breaks (the server restarted) is dropped and replaced; not a crash.
    this.pool.on('error', () => undefined);
  }

  /** Applies the migrations not applied yet, under node-pg-migrate's advisory lock (replicas may start together). */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    // As in ship(): a connection the server ends emits 'error' on the checked-out client,
    // which unheard would crash the process; the failing query reports it instead.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let failed = false;
    try {
      const log = this.options.log ?? (() => undefined);
      // Loaded here, not at import: ~140 modules that a gateway without a database never needs
      // and every gateway paid for at start.
      const { runner } = await import('node-pg-migrate');
      await runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        migrationsTable: MIGRATIONS_TABLE,
        direction: 'up',
        count: Number.POSITIVE_INFINITY,
        checkOrder: true,
        logger: { info: log, warn: log, error: log, debug: () => undefined },
      });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      client.off('error', ignore);
      // A client that failed may be broken: destroyed, not returned to the pool.
      client.release(failed);
    }
  }

  /**
   * Where this instance's shipper stopped, or null before its first batch.
   * @throws InstanceIdInUseError while another process ships under this id.
   */
  async position(instanceId: string): Promise<FollowPosition | null> {
    const result = await this.inSession(instanceId, (client) =>
      client.query<{ segment: string; byte_offset: string; segment_records: string }>(
        'SELECT segment, byte_offset, segment_records FROM input_log_shipper WHERE instance_id = $1',
        [instanceId],
      ),
    );
    const row = result.rows[0];
    if (!row) return null;
    return {
      seq: Number(row.segment),
      offset: Number(row.byte_offset),
      records: Number(row.segment_records),
    };
  }

  /**
   * Writes a batch and the position after it in one transaction: either both
   * land or neither, so a retry or a restart resumes exactly after what landed.
   * Inputs are upserted by id (an input shipped again keeps its outcome);
   * outcomes are merged into their input's row. On the shipper's own
   * connection, which holds the instance id's lock.
   * @throws InstanceIdInUseError while another process ships under this id.
   */
  async ship(instanceId: string, batch: ShipBatch, next: FollowPosition): Promise<void> {
    await this.inSession(instanceId, (client) =>
      client.query({
        // Prepared once per connection: the server parses and plans it once, not per batch.
        name: 'input_log_ship',
        text: SHIP,
        // The JSON as bytes: node-postgres sends a Buffer as it is, without escaping or re-encoding it.
        values: [instanceId, batch.json, next.seq, next.offset, next.records, batch.records],
      }),
    );
  }

  /** The row with this id, or null. */
  async find(id: string): Promise<InputLogEntry | null> {
    const result = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM input_log WHERE id = $1`, [
      id,
    ]);
    const row = result.rows[0];
    return row ? entryOf(row) : null;
  }

  /** Up to `limit` rows older than `before` (or the newest), newest first. */
  async list(limit: number, before: DatabaseCursor | null): Promise<InputLogEntry[]> {
    const result = before
      ? await this.pool.query<Row>(
          `SELECT ${COLUMNS} FROM input_log WHERE (received_at, id) < ($1::timestamptz, $2)
           ORDER BY received_at DESC, id DESC LIMIT $3`,
          [before.receivedAt, before.id, limit],
        )
      : await this.pool.query<Row>(
          `SELECT ${COLUMNS} FROM input_log ORDER BY received_at DESC, id DESC LIMIT $1`,
          [limit],
        );
    return result.rows.map(entryOf);
  }

  async close(): Promise<void> {
    await this.dropSession();
    await this.pool.end();
  }

  /**
   * Runs `work` on the shipper's connection, opening it (and taking the
   * instance id's lock) first if needed. After any failure the connection is
   * closed, in whatever state the failure left it (a transaction open, the
   * server gone), and with it the lock; the next call opens a new one.
   */
  private async inSession<T>(instanceId: string, work: (client: Client) => Promise<T>): Promise<T> {
    const session = await this.openSession(instanceId);
    try {
      return await work(session.client);
    } catch (error) {
      await this.dropSession();
      throw error;
    }
  }

  private async openSession(instanceId: string): Promise<ShipperSession> {
    const current = this.session;
    if (current && !current.broken && current.instanceId === instanceId) return current;
    await this.dropSession();
    const client = new Client(this.clientConfig);
    const session: ShipperSession = { client, instanceId, broken: false };
    // A connection the server ends emits 'error'; unheard, that would crash the
    // process. The next query fails and drops the session instead.
    client.on('error', () => {
      session.broken = true;
    });
    try {
      await client.connect();
      // Held until this connection ends: a gateway that dies (even SIGKILLed) lets go
      // when its socket closes. The keepalives let the server notice a peer that
      // vanished without closing it (a lost node) within about a minute.
      await client.query(
        'SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3',
      );
      const locked = await client.query<{ locked: boolean }>(INSTANCE_LOCK, [instanceId]);
      if (locked.rows[0]?.locked !== true) throw new InstanceIdInUseError(instanceId);
    } catch (error) {
      this.session = session;
      await this.dropSession();
      throw error;
    }
    this.session = session;
    return session;
  }

  /**
   * Ends the shipper's connection, waiting at most a moment: a server that
   * vanished may never answer the goodbye, and the shipper must not hang on it.
   */
  private async dropSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      session.client.end().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SESSION_END_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** The URL's parameters that would configure TLS in node-postgres (pg-connection-string). */
const TLS_PARAMETERS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

function withoutTlsParameters(url: string): string {
  const parsed = new URL(url);
  for (const name of TLS_PARAMETERS) parsed.searchParams.delete(name);
  return parsed.toString();
}
