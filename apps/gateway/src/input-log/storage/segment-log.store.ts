import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { IsoTimeCache } from '@ml-system/server-core';
import { INPUT_LOG_OPTIONS } from '../input-log.constants';
import { InputLogUnavailableError, describeFsError, errorMessage } from '../input-log.errors';
import { nodeLogFs } from './log-fs';
import type { LogFs } from './log-fs';
import { IdIndex, decodeCursor, encodeCursor } from './id-index';
import type { IndexedInput, LogPosition } from './id-index';
import type { InputLogStore } from '../input-log.store';
import type { InputLogOptions } from '../input-log.options';
import { FileIndexSpill } from './index-spill';
import { SegmentReader } from './segment-reader';
import { redact, resolveSalt } from '../input-log.redaction';
import { requestedModelOf } from '../requested-model';
import type {
  InputLogEntry,
  InputLogPage,
  InputLogStats,
  InputOutcome,
  InputRecord,
  RedactedData,
  StoredInput,
  StoredOutcome,
  StoredRecord,
} from '../input-log.types';
import { recoverSegments } from './segment-recovery';
import { SegmentWriter } from './segment-writer';
import type { LogSink, RecordLocation, SegmentInfo } from './segment-writer';
import { encodeRecord } from './segment-file';
import { RecentRecords } from './recent-records';
import type { FollowPosition, FollowedBatch } from './segment-follower';

const DEFAULT_RETRY_MS = 1000;
/** Where the index keeps the words of inputs it holds no longer in memory (FileIndexSpill). */
export const INDEX_DIR = 'index';
/**
 * Records read for one id before giving up. The index keeps hashes of ids,
 * so a candidate can be another id with the same hash; more than one is
 * already rare, and a long run of them would be made on purpose (clients
 * choose ids), each costing a read.
 */
const MAX_ID_CANDIDATES = 8;

function isStoredRecord(value: unknown): value is StoredRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { type, id } = value as { type?: unknown; id?: unknown };
  return (type === 'input' || type === 'outcome') && typeof id === 'string';
}

function redactedOf(input: StoredInput): RedactedData {
  switch (input.redaction) {
    case 'none':
      return { redaction: input.redaction, data: input.data };
    case 'hash':
      return { redaction: input.redaction, data_hash: input.data_hash };
    case 'length':
      return { redaction: input.redaction, data_length: input.data_length };
  }
}

function outcomeOf(stored: StoredOutcome): InputLogEntry['outcome'] {
  const { recorded_at, latency_ms } = stored;
  switch (stored.status) {
    case 'logged':
      return { status: stored.status, latency_ms, recorded_at };
    case 'predicted': {
      const { class: predicted, confidence, model, model_version } = stored;
      return {
        status: stored.status,
        class: predicted,
        confidence,
        ...(model !== undefined && { model }),
        model_version,
        latency_ms,
        recorded_at,
      };
    }
    case 'inferred':
      return {
        status: stored.status,
        ...(stored.model !== undefined && { model: stored.model }),
        model_version: stored.model_version,
        latency_ms,
        recorded_at,
      };
    case 'error':
      return { status: stored.status, code: stored.code, latency_ms, recorded_at };
  }
}

/**
 * The durable input log (docs/input-log.md): every input is appended, and fsynced,
 * before its request is acknowledged; its outcome follows as a second record.
 * Both are found again by id or newest first, through an in-memory index
 * rebuilt from the segments at startup.
 *
 * When the directory cannot be opened or written, the service keeps the
 * gateway up but refuses inputs (503, readiness down), says why once in the
 * log, and retries every second until it works again.
 */
@Injectable()
export class SegmentLogStore implements InputLogStore, OnModuleInit, OnApplicationShutdown {
  private readonly fs: LogFs;
  private readonly logger: LogSink;
  private readonly dir: string;
  private readonly index: IdIndex;
  private readonly spill: FileIndexSpill;
  private readonly reader: SegmentReader;
  private writer: SegmentWriter | null = null;
  private salt: Buffer | null = null;
  /** Why inputs are refused now; null while they are taken. */
  private unavailable: InputLogUnavailableError | null = new InputLogUnavailableError(
    'the input log is still being recovered',
  );
  /** The index reflects the directory: queries can be answered. */
  private indexed = false;
  private closing = false;
  private opening: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private outcomesDropped = 0;
  /** Outcomes recorded in the same millisecond share the string of their time. */
  private readonly outcomeTimes = new IsoTimeCache();
  /** Counts an outcome that could not be written; one function for every record. */
  private readonly dropOutcome = (): void => {
    this.outcomesDropped++;
  };
  private closing$: Promise<void> | null = null;
  private keepFromSeq: (() => number) | undefined;
  private readonly durableListeners: Array<() => void> = [];
  private recent: RecentRecords | null = null;

  constructor(@Inject(INPUT_LOG_OPTIONS) private readonly options: InputLogOptions) {
    this.fs = options.fs ?? nodeLogFs;
    this.logger = options.logger ?? new Logger('InputLog');
    this.dir = resolve(options.dir);
    this.spill = new FileIndexSpill(join(this.dir, INDEX_DIR), this.fs, this.logger);
    this.index = new IdIndex({
      hash: options.idHash,
      spill: this.spill,
      chunkBits: options.indexChunkBits,
    });
    this.reader = new SegmentReader(this.dir, this.fs);
  }

  /**
   * Starts recovery without waiting for it: scanning a full log takes
   * seconds, and until the HTTP server listens the process would not even
   * answer liveness. Readiness and /process answer 503 until it is done.
   */
  onModuleInit(): void {
    this.opening = this.open();
  }

  /** Settles when the first attempt to open the log has finished, whether or not it succeeded. */
  whenOpen(): Promise<void> {
    return this.opening;
  }

  /** After the HTTP server has closed, so that no request is left to record anything. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Recovers the log from its directory and opens it for appending. Never
   * throws: a failure leaves the log unavailable (see `writable()`) and retries.
   */
  async open(): Promise<void> {
    try {
      await this.recover();
    } catch (error) {
      if (this.closing) return;
      this.index.clear();
      this.indexed = false;
      this.unavailable = new InputLogUnavailableError(describeFsError(error), { cause: error });
      this.logger.error(
        `the input log at ${this.dir} cannot be opened (${errorMessage(error)}); ` +
          `inputs are refused with 503 until it can; retrying every ${this.retryMs} ms`,
      );
      this.retryLater(() => this.open());
      return;
    }
    if (this.closing) return;
    this.unavailable = null;
    this.logger.log(
      `input log open at ${this.dir}: ${this.index.size} inputs in ${this.writer?.stats().segments ?? 0} segments, redaction=${this.options.redaction}`,
    );
  }

  /**
   * Appends the input and resolves once it is on disk (fsynced, shared with
   * concurrent appends). Only then may the request be acknowledged.
   * @throws InputLogUnavailableError when the log cannot take it.
   */
  appendInput(record: InputRecord): Promise<unknown> {
    // Not an async function: the writer's promise is returned as it is, without a second
    // promise around it per request. Refusals are rejections all the same.
    const writer = this.writer;
    if (this.unavailable || !writer)
      return Promise.reject(
        this.unavailable ?? new InputLogUnavailableError('the input log is closed'),
      );
    let bytes: Buffer;
    try {
      const stored: StoredInput = {
        type: 'input',
        id: record.id,
        received_at: record.received_at,
        ...redact(record.data, this.options.redaction, this.salt),
        forward_to_model: record.forward_to_model,
        ...requestedModelOf(record),
      };
      bytes = encodeRecord(stored);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return writer.append(bytes, {
      urgent: true,
      onDurable: (location) => this.index.addInput(record.id, location),
    });
  }

  /**
   * Appends how the request ended. Not awaited by the request: the record is
   * written with the next batch (or shortly after); if that fails it is
   * counted in `outcomesDropped`, and the input stays findable without it.
   */
  recordOutcome(id: string, outcome: InputOutcome): void {
    const writer = this.writer;
    if (this.unavailable || !writer) {
      this.outcomesDropped++;
      return;
    }
    const stored: StoredOutcome = {
      type: 'outcome',
      id,
      recorded_at: this.outcomeTimes.of(Date.now()),
      ...outcome,
    };
    writer.appendUnawaited(encodeRecord(stored), {
      urgent: false,
      onDurable: (location) => {
        this.index.addOutcome(id, location);
      },
      onFailed: this.dropOutcome,
    });
  }

  /** For readiness: can inputs be recorded now? */
  writable(): boolean {
    return this.unavailable === null;
  }

  /** Why inputs are refused (no path, fit for a health report), or null while they are taken. */
  unavailableReason(): string | null {
    return this.unavailable?.reason ?? null;
  }

  /**
   * The latest input logged with this id, merged with its outcome; null if
   * unknown or past retention.
   * @throws InputLogUnavailableError when the log could never be opened.
   */
  async find(id: string): Promise<InputLogEntry | null> {
    this.assertIndexed();
    let tried = 0;
    for await (const candidate of this.index.candidates(id)) {
      const found = await this.materialize(candidate, id);
      if (found) return found;
      if (++tried === MAX_ID_CANDIDATES) break;
    }
    return null;
  }

  /**
   * Inputs newest first, `limit` at a time; pass a page's `next` as `before`
   * for the following one.
   * @throws InputLogUnavailableError when the log could never be opened.
   * @throws RangeError for a `before` that is not a cursor of this log.
   */
  async list(query: { limit: number; before?: string | undefined }): Promise<InputLogPage> {
    this.assertIndexed();
    const start = query.before === undefined ? null : decodeCursor(query.before);
    if (query.before !== undefined && !start) throw new RangeError('not a cursor of this log');
    const page = await this.index.page(query.limit, start);
    const items = await Promise.all(page.entries.map((entry) => this.materialize(entry, null)));
    return {
      items: items.filter((item): item is InputLogEntry => item !== null),
      next: page.next ? encodeCursor(page.next) : null,
    };
  }

  /** Counters for metrics. */
  stats(): InputLogStats {
    const written = this.writer?.stats();
    return {
      recordsWritten: written?.recordsWritten ?? 0,
      batches: written?.batches ?? 0,
      lastFsyncMs: written?.lastFsyncMs ?? null,
      bytesOnDisk: written?.bytesOnDisk ?? 0,
      segments: written?.segments ?? 0,
      indexedInputs: this.index.size,
      outcomesDropped: this.outcomesDropped,
    };
  }

  /**
   * Writes and fsyncs what is queued, then closes every file. Inputs are
   * refused from here on. Every call waits for the same close.
   */
  close(): Promise<void> {
    this.closing$ ??= this.closeOnce();
    return this.closing$;
  }

  /**
   * Keeps segments from `seq()` on, whatever retention says: the shipper has
   * not copied them yet. Set before the log is opened (recovery applies retention too).
   */
  holdSegmentsFrom(seq: () => number): void {
    this.keepFromSeq = seq;
  }

  /**
   * Applies retention now: the shipper moved past held segments, and those
   * beyond the budget need not wait for the next rotation (which a quiet log
   * may not reach for a long time) to leave the disk.
   */
  async releaseShipped(): Promise<void> {
    await this.writer?.applyRetention();
  }

  /**
   * Keeps the last `maxBytes` of durable writes in memory from now on, for
   * recentFrom(): the shipper reads them from here while it keeps up.
   */
  keepRecentRecords(maxBytes: number): void {
    this.recent ??= new RecentRecords(maxBytes);
  }

  /** The durable records from `from` on if they are still in memory (see RecentRecords.read), else null. */
  recentFrom(from: FollowPosition, maxBytes: number): FollowedBatch | null {
    return this.recent?.read(from, maxBytes) ?? null;
  }

  /** Told after each durable batch, so that a follower (the shipper) reads on without polling. */
  addDurableListener(listener: () => void): void {
    this.durableListeners.push(listener);
  }

  /** The directory of the segments, resolved. */
  get directory(): string {
    return this.dir;
  }

  /** The segments, oldest first, with their durable sizes and record counts; empty while the log is not open. */
  segmentInfos(): SegmentInfo[] {
    return this.writer?.segmentInfos() ?? [];
  }

  /** Durable bytes from `from` on (all of them without it); 0 while the log is not open. */
  durableBytesFrom(from: { seq: number; offset: number } | null): number {
    return this.writer?.bytesFrom(from) ?? 0;
  }

  /**
   * Up to `limit` inputs that `accept`s, newest first, among those at or
   * after `from` in the log (the ones not shipped yet). Walks at most `scan` inputs.
   */
  async newestSince(
    from: LogPosition,
    limit: number,
    accept: (entry: InputLogEntry) => boolean,
    scan = 10_000,
  ): Promise<InputLogEntry[]> {
    if (!this.indexed) return [];
    const found: InputLogEntry[] = [];
    let start: LogPosition | null = null;
    let walked = 0;
    while (found.length < limit && walked < scan) {
      const page = await this.index.page(Math.min(256, scan - walked), start);
      const fresh = page.entries.filter(
        (entry) =>
          entry.input.seq > from.seq ||
          (entry.input.seq === from.seq && entry.input.offset >= from.offset),
      );
      walked += page.entries.length;
      const items = await Promise.all(fresh.map((entry) => this.materialize(entry, null)));
      for (const item of items) if (item && accept(item) && found.length < limit) found.push(item);
      if (fresh.length < page.entries.length || !page.next) break;
      start = page.next;
    }
    return found;
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.unavailable = new InputLogUnavailableError('the input log is closed');
    // A recovery in progress stops at the next segment; let it, so no file stays open.
    await this.opening;
    const writer = this.writer;
    this.writer = null;
    await writer?.close();
    await this.reader.close();
    await this.spill.close();
  }

  private get retryMs(): number {
    return this.options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** Rebuilds the index from the directory and opens the writer where recovery left off. */
  private async recover(): Promise<void> {
    this.index.clear();
    this.recent?.clear();
    this.indexed = false;
    let orphans = 0;
    const common = {
      dir: this.dir,
      fs: this.fs,
      logger: this.logger,
      segmentBytes: this.options.segmentBytes,
      retentionBytes: this.options.retentionBytes,
    };
    const segments = await recoverSegments(
      {
        ...common,
        aborted: () => this.closing,
        ...(this.keepFromSeq ? { keepFromSeq: this.keepFromSeq } : {}),
      },
      (value, location) => {
        if (!this.indexRecord(value, location)) orphans++;
      },
    );
    if (orphans > 0)
      this.logger.log(`${orphans} records belong to inputs past retention or are not recognised`);
    this.salt =
      this.options.redaction === 'hash'
        ? await resolveSalt(this.fs, this.dir, this.options.hashSalt)
        : null;
    const writer = await SegmentWriter.open(
      {
        ...common,
        ...(this.options.lingerMs !== undefined ? { lingerMs: this.options.lingerMs } : {}),
        ...(this.keepFromSeq ? { keepFromSeq: this.keepFromSeq } : {}),
        onDurableBytes: (seq, offset, bytes) => this.recent?.add(seq, offset, bytes),
        onBatchDurable: (records, fsyncSeconds) => {
          this.options.onBatchDurable?.(records, fsyncSeconds);
          for (const listener of this.durableListeners) listener();
        },
        onSegmentsRemoved: (seqs) => {
          this.index.removeSegments(seqs);
          for (const seq of seqs) this.reader.forget(seq);
        },
        onFailure: (failure) => {
          this.unavailable = failure;
          this.retryLater(() => this.recoverWriter());
        },
      },
      segments,
    );
    if (this.closing) {
      await writer.close();
      return;
    }
    this.indexed = true;
    this.writer = writer;
  }

  /** Indexes one scanned record; false if it joins nothing (an outcome past retention, or unknown). */
  private indexRecord(value: unknown, location: RecordLocation): boolean {
    if (!isStoredRecord(value)) return false;
    if (value.type === 'input') return this.index.addInput(value.id, location);
    return this.index.addOutcome(value.id, location);
  }

  private async recoverWriter(): Promise<void> {
    const writer = this.writer;
    if (!writer || this.closing) return;
    if (await writer.recover()) {
      this.unavailable = null;
    } else {
      this.retryLater(() => this.recoverWriter());
    }
  }

  private retryLater(attempt: () => Promise<void>): void {
    if (this.closing || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void attempt();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private assertIndexed(): void {
    if (!this.indexed)
      throw this.unavailable ?? new InputLogUnavailableError('the input log is not open');
  }

  /**
   * The records of an indexed input, merged; null when the input is not
   * there (retention deleted its segment between the lookup and the read) or
   * is not the one wanted (`id`, when looked up by id: the index knows only
   * hashes of ids).
   */
  private async materialize(entry: IndexedInput, id: string | null): Promise<InputLogEntry | null> {
    const [input, outcome] = await Promise.all([
      this.reader.read(entry.input),
      entry.outcome ? this.reader.read(entry.outcome) : Promise.resolve(null),
    ]);
    if (!isStoredRecord(input) || input.type !== 'input' || (id !== null && input.id !== id))
      return null;
    // Checked too: without ids the index could, by a hash collision, have joined another request's outcome.
    const stored =
      isStoredRecord(outcome) && outcome.type === 'outcome' && outcome.id === input.id
        ? outcome
        : null;
    return {
      id: input.id,
      received_at: input.received_at,
      ...redactedOf(input),
      forward_to_model: input.forward_to_model,
      ...requestedModelOf(input),
      outcome: stored ? outcomeOf(stored) : null,
    };
  }
}
