import type {
  InputLogEntry,
  InputLogStore,
  InputOutcome,
  InputRecord,
  Redaction,
  StoredInput,
  StoredOutcome,
  StoredRecord,
} from './gateway-store';
import { redact } from './gateway-store';

/** What a candidate engine is given; the same knobs the segment store takes. */
export interface EngineOptions {
  dir: string;
  redaction: Redaction;
  hashSalt?: string;
  retentionBytes: number;
}

/** A record of the log with its place in it: what the shipper reads, in order. */
export interface OutboxRecord {
  seq: number;
  record: StoredRecord;
}

/**
 * What the PostgreSQL shipper needs of the log beyond the store interface
 * (today it reads segments with a follower): records in order after a
 * position, the backlog behind a position, a hold on retention, and a wake-up
 * after each durable batch.
 */
export interface InputLogOutbox {
  /** Up to `max` records after `seq`, in log order. */
  readAfter(seq: number, max: number): Promise<OutboxRecord[]>;
  /** Records after `seq`: the unshipped backlog. */
  countAfter(seq: number): Promise<number>;
  /** Records from `seq()` on are kept whatever retention says. */
  holdFrom(seq: () => number): void;
  addDurableListener(listener: () => void): void;
  /** Up to `limit` inputs after `seq` that `accept`s, newest first (read your writes). */
  newestAfter(
    seq: number,
    limit: number,
    accept: (entry: InputLogEntry) => boolean,
  ): Promise<InputLogEntry[]>;
}

/** A candidate engine: the gateway's store contract, the shipper's outbox, and a way to close it. */
export type CandidateStore = InputLogStore & InputLogOutbox & { close(): Promise<void> };

export function storedInput(record: InputRecord, redaction: Redaction, salt: Buffer | null) {
  const stored: StoredInput = {
    type: 'input',
    id: record.id,
    received_at: record.received_at,
    ...redact(record.data, redaction, salt),
    forward_to_model: record.forward_to_model,
  };
  return stored;
}

export function storedOutcome(id: string, outcome: InputOutcome): StoredOutcome {
  return { type: 'outcome', id, recorded_at: new Date().toISOString(), ...outcome };
}

/** An input merged with its outcome, in the shape `GET /logs` returns. */
export function entryOf(input: StoredInput, outcome: StoredOutcome | null): InputLogEntry {
  const entry = { ...input, outcome: null } as Omit<StoredInput, 'type'> & {
    type?: 'input';
    outcome: InputLogEntry['outcome'];
  };
  delete entry.type;
  if (outcome) {
    const merged: Partial<StoredOutcome> = { ...outcome };
    delete merged.type;
    delete merged.id;
    entry.outcome = merged as InputLogEntry['outcome'];
  }
  return entry as InputLogEntry;
}

/** A page cursor by time: the last item's arrival and id, opaque to clients. */
export interface TimeCursor {
  receivedAt: string;
  id: string;
}

export function encodeTimeCursor(cursor: TimeCursor): string {
  return Buffer.from(JSON.stringify([cursor.receivedAt, cursor.id]), 'utf8').toString('base64url');
}

/** The cursor, or null for anything this store did not hand out. */
export function decodeTimeCursor(text: string): TimeCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    )
      return { receivedAt: value[0], id: value[1] };
  } catch {
    return null;
  }
  return null;
}
