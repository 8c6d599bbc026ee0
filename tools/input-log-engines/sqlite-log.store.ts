import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputLogUnavailableError, nodeLogFs, resolveSalt } from './gateway-store';
import type {
  InputLogEntry,
  InputLogPage,
  InputLogStats,
  InputOutcome,
  InputRecord,
  StoredInput,
  StoredOutcome,
  StoredRecord,
} from './gateway-store';
import { sqliteWorkerMain } from './sqlite-log.worker';
import {
  decodeTimeCursor,
  encodeTimeCursor,
  entryOf,
  storedInput,
  storedOutcome,
} from './store-common';
import type { CandidateStore, EngineOptions, OutboxRecord } from './store-common';

const RETENTION_CHUNK = 2000;
/** As in the segment log: an outcome waits this long for an input's batch before it goes alone. */
const LINGER_MS = 25;
/** Inputs looked at, newest first, for the unshipped ones a page may show. */
const NEWEST_SCAN = 10_000;

interface Pending {
  row: [string, string, string, string];
  resolve: () => void;
  reject: (error: Error) => void;
}

type Reply = { n: number; ok: true; value: unknown } | { n: number; ok: false; error: string };

function entryFrom(pair: [string, string | null]): InputLogEntry {
  const input = JSON.parse(pair[0]) as StoredInput;
  const outcome = pair[1] === null ? null : (JSON.parse(pair[1]) as StoredOutcome);
  return entryOf(input, outcome);
}

/**
 * The input log on SQLite (`node:sqlite`), every statement in one worker
 * thread. Group commit is ours: appends queue while a transaction is in
 * flight and go together in the next one (WAL, synchronous=FULL, so COMMIT
 * returns after the fsync).
 */
export class SqliteLogStore implements CandidateStore {
  private worker: Worker | null = null;
  private salt: Buffer | null = null;
  private opening: Promise<void> = Promise.resolve();
  private unavailable: InputLogUnavailableError | null = new InputLogUnavailableError(
    'the input log is still being opened',
  );
  private readonly calls = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private nextCall = 0;
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;
  private recordsWritten = 0;
  private batches = 0;
  private lastFsyncMs: number | null = null;
  private bytesOnDisk = 0;
  private outcomesDropped = 0;
  private holdSeq: (() => number) | null = null;
  private readonly durableListeners: Array<() => void> = [];

  constructor(private readonly options: EngineOptions) {}

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

  appendInput(record: InputRecord): Promise<void> {
    if (this.unavailable) return Promise.reject(this.unavailable);
    const stored = storedInput(record, this.options.redaction, this.salt);
    return this.enqueue([record.id, 'input', record.received_at, JSON.stringify(stored)], true);
  }

  recordOutcome(id: string, outcome: InputOutcome): void {
    if (this.unavailable) {
      this.outcomesDropped++;
      return;
    }
    const stored = storedOutcome(id, outcome);
    this.enqueue([id, 'outcome', stored.recorded_at, JSON.stringify(stored)], false).catch(() => {
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
    const pair = (await this.call('find', id)) as [string, string | null] | null;
    return pair ? entryFrom(pair) : null;
  }

  async list(query: { limit: number; before?: string | undefined }): Promise<InputLogPage> {
    const before = query.before === undefined ? null : decodeTimeCursor(query.before);
    if (query.before !== undefined && !before) throw new RangeError('not a cursor of this log');
    const pairs = (await this.call(
      'list',
      query.limit + 1,
      before?.receivedAt ?? null,
      before?.id ?? null,
    )) as Array<[string, string | null]>;
    const items = pairs.slice(0, query.limit).map(entryFrom);
    const last = items[items.length - 1];
    return {
      items,
      next:
        pairs.length > query.limit && last
          ? encodeTimeCursor({ receivedAt: last.received_at, id: last.id })
          : null,
    };
  }

  stats(): InputLogStats {
    return {
      recordsWritten: this.recordsWritten,
      batches: this.batches,
      lastFsyncMs: this.lastFsyncMs,
      bytesOnDisk: this.bytesOnDisk,
      segments: 1,
      indexedInputs: 0,
      outcomesDropped: this.outcomesDropped,
    };
  }

  async readAfter(seq: number, max: number): Promise<OutboxRecord[]> {
    const rows = (await this.call('readAfter', seq, max)) as Array<{ seq: number; body: string }>;
    return rows.map((row) => ({ seq: row.seq, record: JSON.parse(row.body) as StoredRecord }));
  }

  async countAfter(seq: number): Promise<number> {
    return (await this.call('countAfter', seq)) as number;
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
    const pairs = (await this.call('newestAfter', seq, NEWEST_SCAN)) as Array<
      [string, string | null]
    >;
    return pairs.map(entryFrom).filter(accept).slice(0, limit);
  }

  async close(): Promise<void> {
    await this.opening;
    if (!this.unavailable)
      this.unavailable = new InputLogUnavailableError('the input log is closed');
    // Queued outcomes are written before closing.
    if (this.queue.length > 0) this.kick();
    while (this.writing) await this.writing;
    const worker = this.worker;
    if (!worker) return;
    await this.call('close').catch(() => undefined);
    this.worker = null;
    await worker.terminate();
  }

  private async open(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const worker = new Worker(`(${sqliteWorkerMain.toString()})()`, { eval: true });
    worker.on('message', (reply: Reply) => {
      const call = this.calls.get(reply.n);
      this.calls.delete(reply.n);
      if (reply.ok) call?.resolve(reply.value);
      else call?.reject(new Error(reply.error));
    });
    worker.on('error', (error: Error) => this.failAll(error));
    worker.on('exit', () => this.failAll(new Error('the SQLite worker exited')));
    this.worker = worker;
    await this.call('open', join(this.options.dir, 'input-log.sqlite'));
    this.bytesOnDisk = (await this.call('bytes')) as number;
    this.salt =
      this.options.redaction === 'hash'
        ? await resolveSalt(nodeLogFs, this.options.dir, this.options.hashSalt)
        : null;
    this.unavailable = null;
  }

  private call(op: string, ...args: unknown[]): Promise<unknown> {
    const worker = this.worker;
    if (!worker)
      return Promise.reject(
        this.unavailable ?? new InputLogUnavailableError('the input log is not open'),
      );
    const n = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(n, { resolve, reject });
      worker.postMessage({ n, op, args });
    });
  }

  private failAll(error: Error): void {
    this.unavailable ??= new InputLogUnavailableError('the input log failed', { cause: error });
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
  }

  /** Inputs start a transaction at once; outcomes ride with the next one, or go after LINGER_MS. */
  private enqueue(row: Pending['row'], urgent: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (urgent) this.kick();
      else if (!this.writing && !this.lingerTimer) {
        this.lingerTimer = setTimeout(() => this.kick(), LINGER_MS);
        this.lingerTimer.unref();
      }
    });
  }

  private kick(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.writing ??= this.writeLoop();
  }

  /** One transaction at a time; whatever queued meanwhile is the next one. */
  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const started = performance.now();
      try {
        await this.call(
          'write',
          batch.map((pending) => pending.row),
        );
      } catch (error) {
        const failure = new InputLogUnavailableError('the input log cannot be written', {
          cause: error,
        });
        for (const pending of batch) pending.reject(failure);
        continue;
      }
      this.lastFsyncMs = performance.now() - started;
      this.batches++;
      this.recordsWritten += batch.length;
      for (const pending of batch) pending.resolve();
      for (const listener of this.durableListeners) listener();
      if (this.batches % 64 === 0) await this.applyRetention();
    }
    this.writing = null;
  }

  private async applyRetention(): Promise<void> {
    const hold = this.holdSeq?.() ?? Number.MAX_SAFE_INTEGER;
    await this.call('retain', this.options.retentionBytes, hold, RETENTION_CHUNK).catch(
      () => undefined,
    );
    this.bytesOnDisk = (await this.call('bytes').catch(() => this.bytesOnDisk)) as number;
  }
}
