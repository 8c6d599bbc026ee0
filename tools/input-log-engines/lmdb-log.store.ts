import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { mkdir } from 'node:fs/promises';
import { InputLogUnavailableError, nodeLogFs, resolveSalt } from './gateway-store';
import type {
  InputLogEntry,
  InputLogPage,
  InputLogStats,
  InputOutcome,
  InputRecord,
  StoredRecord,
} from './gateway-store';
import {
  decodeTimeCursor,
  encodeTimeCursor,
  entryOf,
  storedInput,
  storedOutcome,
} from './store-common';
import type { CandidateStore, EngineOptions, OutboxRecord } from './store-common';

/** Oldest records removed by one retention pass, so a pass is one short transaction. */
const RETENTION_CHUNK = 2000;

interface TreeStats {
  pageSize?: number;
  treeBranchPageCount?: number;
  treeLeafPageCount?: number;
  overflowPages?: number;
  entryCount?: number;
}

function treeBytes(stats: TreeStats): number {
  const pages =
    (stats.treeBranchPageCount ?? 0) + (stats.treeLeafPageCount ?? 0) + (stats.overflowPages ?? 0);
  return pages * (stats.pageSize ?? 4096);
}

/**
 * The input log on LMDB (the `lmdb` package): records by sequence (the
 * shipper's outbox, in order), the latest input and outcome of each id, and
 * inputs by arrival for paging. Writes made in one event turn share one
 * transaction, which lmdb-js commits on its own thread.
 *
 * Durability: with `overlappingSync` off, a write's promise resolves only
 * after the commit's sync. With it on (lmdb-js's default off Windows), the
 * promise resolves when the commit is visible and its sync follows later,
 * overlapping the next commit: acknowledging then would not be "durable
 * before acknowledged", so the store also waits for the write's `flushed` (separateFlushed).
 */
export class LmdbLogStore implements CandidateStore {
  private root: RootDatabase | null = null;
  private records!: Database<StoredRecord, number>;
  private inputs!: Database<number, string>;
  private outcomes!: Database<number, string>;
  private byTime!: Database<number, [string, string]>;
  private salt: Buffer | null = null;
  private nextSeq = 1;
  private opening: Promise<void> = Promise.resolve();
  private unavailable: InputLogUnavailableError | null = new InputLogUnavailableError(
    'the input log is still being opened',
  );
  private recordsWritten = 0;
  private batches = 0;
  private outcomesDropped = 0;
  private holdSeq: (() => number) | null = null;
  private readonly durableListeners: Array<() => void> = [];
  private retaining = false;
  private batchCounted = false;

  constructor(private readonly options: EngineOptions & { overlappingSync: boolean }) {}

  /** Opens the environment; a failure leaves the store refusing inputs. */
  start(): Promise<void> {
    this.opening = this.open().catch((error: unknown) => {
      this.unavailable = new InputLogUnavailableError('the input log cannot be opened', {
        cause: error,
      });
    });
    return this.opening;
  }

  whenOpen(): Promise<void> {
    return this.opening;
  }

  async appendInput(record: InputRecord): Promise<void> {
    if (this.unavailable) throw this.unavailable;
    const stored = storedInput(record, this.options.redaction, this.salt);
    const seq = this.nextSeq++;
    await this.commit([
      this.records.put(seq, stored),
      this.inputs.put(record.id, seq),
      this.byTime.put([record.received_at, record.id], seq),
    ]);
  }

  recordOutcome(id: string, outcome: InputOutcome): void {
    if (this.unavailable) {
      this.outcomesDropped++;
      return;
    }
    const seq = this.nextSeq++;
    this.commit([
      this.records.put(seq, storedOutcome(id, outcome)),
      this.outcomes.put(id, seq),
    ]).catch(() => {
      this.outcomesDropped++;
    });
  }

  writable(): boolean {
    return this.unavailable === null;
  }

  unavailableReason(): string | null {
    return this.unavailable?.reason ?? null;
  }

  async find(id: string): Promise<InputLogEntry | null> {
    this.assertOpen();
    const seq = this.inputs.get(id);
    return seq === undefined ? null : this.entryAt(id, seq);
  }

  async list(query: { limit: number; before?: string | undefined }): Promise<InputLogPage> {
    this.assertOpen();
    const before = query.before === undefined ? null : decodeTimeCursor(query.before);
    if (query.before !== undefined && !before) throw new RangeError('not a cursor of this log');
    const items: InputLogEntry[] = [];
    let more = false;
    for (const { key, value } of this.byTime.getRange({
      reverse: true,
      ...(before ? { start: [before.receivedAt, before.id], exclusiveStart: true } : {}),
    })) {
      const entry = this.entryAt(key[1], value);
      if (!entry) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(entry);
    }
    const last = items[items.length - 1];
    return {
      items,
      next: more && last ? encodeTimeCursor({ receivedAt: last.received_at, id: last.id }) : null,
    };
  }

  stats(): InputLogStats {
    const root = this.root;
    return {
      recordsWritten: this.recordsWritten,
      batches: this.batches,
      lastFsyncMs: null,
      bytesOnDisk: root ? this.bytesUsed() : 0,
      segments: 1,
      indexedInputs: root ? ((this.inputs.getStats() as TreeStats).entryCount ?? 0) : 0,
      outcomesDropped: this.outcomesDropped,
    };
  }

  async readAfter(seq: number, max: number): Promise<OutboxRecord[]> {
    this.assertOpen();
    return this.records
      .getRange({ start: seq, exclusiveStart: true, limit: max })
      .map(({ key, value }) => ({ seq: key, record: value })).asArray;
  }

  async countAfter(seq: number): Promise<number> {
    this.assertOpen();
    return this.records.getCount({ start: seq, exclusiveStart: true });
  }

  holdFrom(seq: () => number): void {
    this.holdSeq = seq;
  }

  addDurableListener(listener: () => void): void {
    this.durableListeners.push(listener);
  }

  async newestAfter(
    seq: number,
    limit: number,
    accept: (entry: InputLogEntry) => boolean,
  ): Promise<InputLogEntry[]> {
    this.assertOpen();
    const found: InputLogEntry[] = [];
    for (const { key, value } of this.records.getRange({
      start: Number.MAX_SAFE_INTEGER,
      end: seq,
      reverse: true,
    })) {
      if (found.length === limit) break;
      if (value.type !== 'input' || this.inputs.get(value.id) !== key) continue;
      const entry = this.entryAt(value.id, key);
      if (entry && accept(entry)) found.push(entry);
    }
    return found;
  }

  async close(): Promise<void> {
    await this.opening;
    const root = this.root;
    this.root = null;
    this.unavailable = new InputLogUnavailableError('the input log is closed');
    // Outcomes still in flight are committed by close().
    await root?.close();
  }

  private async open(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const root = open({
      path: this.options.dir,
      overlappingSync: this.options.overlappingSync,
      separateFlushed: this.options.overlappingSync,
      compression: false,
    });
    this.root = root;
    this.records = root.openDB<StoredRecord, number>({ name: 'records' });
    this.inputs = root.openDB<number, string>({ name: 'inputs', encoding: 'ordered-binary' });
    this.outcomes = root.openDB<number, string>({ name: 'outcomes', encoding: 'ordered-binary' });
    this.byTime = root.openDB<number, [string, string]>({
      name: 'by-time',
      encoding: 'ordered-binary',
    });
    for (const key of this.records.getKeys({ reverse: true, limit: 1 })) this.nextSeq = key + 1;
    this.salt =
      this.options.redaction === 'hash'
        ? await resolveSalt(nodeLogFs, this.options.dir, this.options.hashSalt)
        : null;
    this.unavailable = null;
  }

  /** Waits for the writes of one record (one transaction with their event turn's others). */
  private async commit(writes: Array<Promise<boolean>>): Promise<void> {
    // With separateFlushed, each write's promise carries the sync of its own commit.
    const flushed = (writes[writes.length - 1] as { flushed?: Promise<unknown> } | undefined)
      ?.flushed;
    await Promise.all(writes);
    if (this.options.overlappingSync) await flushed;
    this.recordsWritten++;
    // Writes of one turn resolve in the same tick: count a batch once per tick.
    if (!this.batchCounted) {
      this.batchCounted = true;
      this.batches++;
      queueMicrotask(() => {
        this.batchCounted = false;
        for (const listener of this.durableListeners) listener();
        void this.applyRetention();
      });
    }
  }

  private entryAt(id: string, seq: number): InputLogEntry | null {
    const input = this.records.get(seq);
    if (input?.type !== 'input' || input.id !== id) return null;
    const outcomeSeq = this.outcomes.get(id);
    const outcome =
      outcomeSeq !== undefined && outcomeSeq > seq ? this.records.get(outcomeSeq) : null;
    return entryOf(input, outcome?.type === 'outcome' ? outcome : null);
  }

  /**
   * Deletes the oldest records (and the index entries that still point at
   * them) while the database is over its budget, never past the hold. LMDB
   * reuses the freed pages; the file does not shrink.
   */
  private async applyRetention(): Promise<void> {
    const root = this.root;
    if (this.retaining || !root || this.bytesUsed() <= this.options.retentionBytes) return;
    this.retaining = true;
    try {
      const hold = this.holdSeq?.() ?? Number.POSITIVE_INFINITY;
      await root.transaction(() => {
        for (const { key, value } of this.records.getRange({ limit: RETENTION_CHUNK })) {
          if (key >= hold) break;
          if (value.type === 'input') {
            if (this.inputs.get(value.id) === key) void this.inputs.remove(value.id);
            const time: [string, string] = [value.received_at, value.id];
            if (this.byTime.get(time) === key) void this.byTime.remove(time);
          } else if (this.outcomes.get(value.id) === key) void this.outcomes.remove(value.id);
          void this.records.remove(key);
        }
      });
    } finally {
      this.retaining = false;
    }
  }

  /** Pages in use by the four trees (LMDB reuses freed pages; the file itself only grows). */
  private bytesUsed(): number {
    return [this.records, this.inputs, this.outcomes, this.byTime].reduce(
      (sum, db) => sum + treeBytes(db.getStats() as TreeStats),
      0,
    );
  }

  private assertOpen(): void {
    if (!this.root)
      throw this.unavailable ?? new InputLogUnavailableError('the input log is not open');
  }
}
