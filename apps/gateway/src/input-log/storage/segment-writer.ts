import { constants as fsConstants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  InputLogUnavailableError,
  describeFsError,
  errnoCode,
  errorMessage,
} from '../input-log.errors';
import { syncDirectory } from './log-fs';
import type { LogFs } from './log-fs';
import { segmentFileName } from './segment-file';

/** Where a durable record lives. */
export interface RecordLocation {
  seq: number;
  offset: number;
  length: number;
}

export interface SegmentInfo {
  seq: number;
  /** Bytes known to be durable in the segment. */
  size: number;
  /** Valid records in those bytes (counted by recovery and by each durable batch); for the shipper's backlog. */
  records?: number;
}

/** Where the writer reports; the input text never reaches it. */
export interface LogSink {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SegmentWriterOptions {
  dir: string;
  segmentBytes: number;
  retentionBytes: number;
  fs: LogFs;
  logger: LogSink;
  /** Called synchronously with the segments retention removes, before their files are deleted. */
  onSegmentsRemoved(seqs: number[]): void;
  /** Called once when a write fails and the writer starts refusing records. */
  onFailure(error: InputLogUnavailableError): void;
  /** Called after each batch is durable: how many records it held, and its synced write in seconds (metrics). */
  onBatchDurable?(records: number, fsyncSeconds: number): void;
  /**
   * Called after each batch is durable, before its records' callbacks and
   * `onBatchDurable`, with the bytes it wrote at (seq, offset): whole framed records.
   */
  onDurableBytes?(seq: number, offset: number, bytes: Buffer): void;
  /** How long a non-urgent record may wait for a batch to join before it is written on its own. */
  lingerMs?: number;
  /** Segments from this sequence on are kept whatever retention says (the shipper has not copied them yet). */
  keepFromSeq?: () => number;
}

export interface AppendOptions {
  /**
   * Urgent records (inputs: a client waits for them) start a batch at once;
   * others (outcomes) ride along with the next batch or go after `lingerMs`.
   */
  urgent: boolean;
  /** Runs synchronously once the record is durable, in append order, before the promise resolves. */
  onDurable?: (location: RecordLocation) => void;
}

interface PendingRecord {
  bytes: Buffer;
  onDurable: ((location: RecordLocation) => void) | undefined;
  resolve: (location: RecordLocation) => void;
  reject: (error: Error) => void;
}

/** The `resolve` of a record appended without a promise: its location went to `onDurable`. */
const IGNORE_LOCATION = (): void => undefined;

interface ActiveSegment {
  info: SegmentInfo;
  handle: FileHandle;
}

/** A bound on one write, so that a burst does not turn into one huge buffer. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** What a recovery probe must be able to write: room for at least one largest record. */
const PROBE_BYTES = 64 * 1024;
const PROBE_NAME = '.probe';
const DEFAULT_LINGER_MS = 25;

/**
 * On Linux segments are opened with O_DSYNC: a write returns once its bytes
 * (and the file size that reaches them) are on stable storage, which is what
 * write + fdatasync promise, in one trip to libuv's thread pool instead of two
 * (a lone append at one connection took ~300 µs against ~400 µs on this
 * project's disk). Elsewhere the writer calls fdatasync after each write:
 * on macOS libuv's fdatasync is F_FULLFSYNC, which flushes the drive's cache
 * and an O_DSYNC write does not.
 */
const SYNC_ON_WRITE = process.platform === 'linux';
const DSYNC = SYNC_ON_WRITE ? fsConstants.O_DSYNC : 0;
/** The last segment, reopened: no O_CREAT, so a segment that vanished since the scan fails loudly. */
const RESUME_FLAGS = fsConstants.O_WRONLY | fsConstants.O_APPEND | DSYNC;
const CREATE_FLAGS = RESUME_FLAGS | fsConstants.O_CREAT | fsConstants.O_EXCL;

/**
 * The oldest segments to delete so that the whole log, with room for the
 * segment being written (the last one, never deleted) to fill up, stays within
 * `retentionBytes`: the budget is never exceeded, rather than exceeded by up
 * to a segment between rotations.
 */
export function segmentsBeyondRetention(
  segments: readonly SegmentInfo[],
  segmentBytes: number,
  retentionBytes: number,
  keepFromSeq = Number.POSITIVE_INFINITY,
): SegmentInfo[] {
  const sealed = segments.slice(0, -1);
  let kept = sealed.reduce((sum, segment) => sum + segment.size, 0);
  const doomed: SegmentInfo[] = [];
  for (const segment of sealed) {
    // Oldest first: a held segment stops the deletion, so no hole opens before it.
    if (kept + segmentBytes <= retentionBytes || segment.seq >= keepFromSeq) break;
    doomed.push(segment);
    kept -= segment.size;
  }
  return doomed;
}

export async function writeFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    // A short write (the disk filled up midway) returns less; the next call reports why.
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
    if (bytesWritten === 0)
      throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    written += bytesWritten;
  }
}

/**
 * Appends framed records to the active segment with group commit: whatever
 * arrives while a synced write is in flight goes into the next one, so under
 * load one sync makes a whole batch durable and throughput does not stop at
 * the disk's sync rate. A record's promise resolves only after the synced
 * write that covers it.
 *
 * After a failed write or fsync the writer stops (the segment's tail and the
 * page cache are in an unknown state): it truncates what it may have
 * half-written, refuses records until `recover()` succeeds, and then continues
 * in a new segment.
 */
export class SegmentWriter {
  private readonly segments: SegmentInfo[];
  private readonly lingerMs: number;
  private active: ActiveSegment | null = null;
  private nextSeq: number;
  private queue: PendingRecord[] = [];
  private flushRunning = false;
  private flushDone: Promise<void> = Promise.resolve();
  private lingerTimer: NodeJS.Timeout | null = null;
  private failure: InputLogUnavailableError | null = null;
  /** The failed segment being cut back and closed; recovery waits for it. */
  private abandoning: Promise<void> = Promise.resolve();
  private closed = false;
  private recordsWritten = 0;
  private batches = 0;
  private lastFsyncMs: number | null = null;

  private constructor(
    private readonly options: SegmentWriterOptions,
    existing: readonly SegmentInfo[],
  ) {
    this.segments = existing.map((segment) => ({ ...segment }));
    this.nextSeq = (existing[existing.length - 1]?.seq ?? 0) + 1;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  }

  /**
   * Opens the log for appending after recovery has scanned (and trimmed) the
   * existing segments, oldest first: resumes the last one if it has room, else
   * starts a new one, and applies retention.
   * @throws the file system's error when no segment can be opened.
   */
  static async open(
    options: SegmentWriterOptions,
    existing: readonly SegmentInfo[],
  ): Promise<SegmentWriter> {
    const writer = new SegmentWriter(options, existing);
    const last = writer.segments[writer.segments.length - 1];
    if (last && last.size < options.segmentBytes) {
      const handle = await options.fs.open(writer.pathOf(last.seq), RESUME_FLAGS, 0o600);
      writer.active = { info: last, handle };
    } else {
      await writer.startSegment();
    }
    await writer.enforceRetention();
    return writer;
  }

  /**
   * Queues a framed record and resolves with its location once it is on disk.
   * @throws InputLogUnavailableError (as a rejection) while failed or after close.
   */
  append(bytes: Buffer, options: AppendOptions): Promise<RecordLocation> {
    return new Promise<RecordLocation>((resolve, reject) =>
      this.enqueue(bytes, options, resolve, reject),
    );
  }

  /**
   * `append` for a record nobody waits for (an outcome): the same queue and
   * batches, without a promise. `onFailed` runs (at once when the writer is
   * closed or failed) if the record cannot be made durable. No promise, no
   * resolve/reject pair and no `.catch` chain per record: a few hundred bytes
   * per request on the gateway's hot path.
   */
  appendUnawaited(
    bytes: Buffer,
    options: AppendOptions & { onFailed: (error: Error) => void },
  ): void {
    this.enqueue(bytes, options, IGNORE_LOCATION, options.onFailed);
  }

  /** Both appends: refused at once while failed or after close, else queued and a flush started. */
  private enqueue(
    bytes: Buffer,
    options: AppendOptions,
    resolve: PendingRecord['resolve'],
    reject: PendingRecord['reject'],
  ): void {
    if (this.closed) {
      reject(new InputLogUnavailableError('the input log is closed'));
      return;
    }
    if (this.failure) {
      reject(this.failure);
      return;
    }
    this.queue.push({ bytes, onDurable: options.onDurable, resolve, reject });
    if (options.urgent) this.kick();
    else this.lingerThenKick();
  }

  /** Why records are refused, or null while the writer works. */
  get failed(): InputLogUnavailableError | null {
    return this.failure;
  }

  /**
   * After a failure: checks that the directory takes data again (it may have
   * been removed, or the disk filled) and continues in a new segment.
   * @returns whether the writer takes records again.
   */
  async recover(): Promise<boolean> {
    if (!this.failure) return true;
    if (this.closed) return false;
    await this.abandoning;
    try {
      await this.options.fs.mkdir(this.options.dir, { recursive: true, mode: 0o700 });
      await this.probe();
      await this.startSegment();
      await this.enforceRetention();
    } catch {
      return false;
    }
    if (this.closed) {
      // close() ran while this was probing and found no segment to close.
      const active = this.active;
      this.active = null;
      await active?.handle.close();
      return false;
    }
    this.failure = null;
    this.options.logger.log('the input log is writable again');
    return true;
  }

  /** Writes (synced) everything queued, then closes the segment. Appends after this are refused. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.kick();
    await this.flushDone;
    const active = this.active;
    this.active = null;
    await active?.handle.close();
  }

  /** The segments, oldest first, with their durable sizes: what a reader may read. */
  segmentInfos(): SegmentInfo[] {
    return this.segments.map((segment) => ({ ...segment }));
  }

  /**
   * Durable bytes from `from` on (the whole log without it), without copying
   * the segments' list as segmentInfos() does: asked on every request while shipping.
   */
  bytesFrom(from: { seq: number; offset: number } | null): number {
    let bytes = 0;
    for (const segment of this.segments) {
      if (from && segment.seq < from.seq) continue;
      bytes += segment.size - (from && segment.seq === from.seq ? from.offset : 0);
    }
    return Math.max(0, bytes);
  }

  stats(): {
    recordsWritten: number;
    batches: number;
    lastFsyncMs: number | null;
    bytesOnDisk: number;
    segments: number;
  } {
    return {
      recordsWritten: this.recordsWritten,
      batches: this.batches,
      lastFsyncMs: this.lastFsyncMs,
      bytesOnDisk: this.segments.reduce((sum, segment) => sum + segment.size, 0),
      segments: this.segments.length,
    };
  }

  private pathOf(seq: number): string {
    return join(this.options.dir, segmentFileName(seq));
  }

  private kick(): void {
    if (this.flushRunning || this.queue.length === 0) return;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    // Set synchronously, and cleared by the loop in the same tick as it sees
    // the queue empty, so that no record can be queued without a flush to take it.
    this.flushRunning = true;
    this.flushDone = this.flushLoop();
  }

  private lingerThenKick(): void {
    if (this.flushRunning || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.kick();
    }, this.lingerMs);
    this.lingerTimer.unref();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failure) await this.writeBatch();
    } finally {
      this.flushRunning = false;
    }
  }

  private async writeBatch(): Promise<void> {
    let batch: PendingRecord[] = [];
    let active: ActiveSegment;
    let base: number;
    let bytes: Buffer;
    try {
      active = await this.segmentFor(this.queue[0]?.bytes.length ?? 0);
      base = active.info.size;
      batch = this.take(Math.min(this.options.segmentBytes - base, MAX_BATCH_BYTES));
      bytes =
        batch.length === 1 && batch[0] ? batch[0].bytes : Buffer.concat(batch.map((p) => p.bytes));
      const started = performance.now();
      await writeFully(active.handle, bytes);
      if (!SYNC_ON_WRITE) await active.handle.datasync();
      this.lastFsyncMs = performance.now() - started;
      active.info.size = base + bytes.length;
      active.info.records = (active.info.records ?? 0) + batch.length;
    } catch (error) {
      await this.fail(error, batch);
      return;
    }
    this.batches++;
    this.recordsWritten += batch.length;
    try {
      this.options.onDurableBytes?.(active.info.seq, base, bytes);
    } catch (error) {
      // Only a copy for the shipper: the records are durable and their callers still hear so.
      this.options.logger.error(`keeping a durable batch in memory failed: ${errorMessage(error)}`);
    }
    this.options.onBatchDurable?.(batch.length, (this.lastFsyncMs ?? 0) / 1000);
    let offset = base;
    for (const pending of batch) {
      const location = { seq: active.info.seq, offset, length: pending.bytes.length };
      offset += pending.bytes.length;
      try {
        pending.onDurable?.(location);
      } catch (error) {
        this.options.logger.error(`indexing a durable record failed: ${errorMessage(error)}`);
      }
      pending.resolve(location);
    }
  }

  /** Takes records in arrival order up to `room` bytes, and always at least one. */
  private take(room: number): PendingRecord[] {
    let size = 0;
    let count = 0;
    for (const pending of this.queue) {
      if (count > 0 && size + pending.bytes.length > room) break;
      size += pending.bytes.length;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /** The segment the next batch goes to: a record never straddles two, and a segment passes its size only by a single oversized record. */
  private async segmentFor(firstRecordBytes: number): Promise<ActiveSegment> {
    const active = this.active;
    if (
      active &&
      (active.info.size === 0 || active.info.size + firstRecordBytes <= this.options.segmentBytes)
    ) {
      return active;
    }
    if (active) {
      this.active = null;
      // Every batch was fsynced already: closing cannot lose data, so a close error is only worth a line.
      await active.handle.close().catch((error: unknown) => {
        this.options.logger.warn(`closing a full segment failed: ${errorMessage(error)}`);
      });
    }
    const next = await this.startSegment();
    await this.enforceRetention();
    return next;
  }

  private async startSegment(): Promise<ActiveSegment> {
    // Consumed even when the open fails, so that a retry never trips over a half-made file.
    const seq = this.nextSeq++;
    const handle = await this.options.fs.open(this.pathOf(seq), CREATE_FLAGS, 0o600);
    try {
      await syncDirectory(this.options.fs, this.options.dir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    const info = { seq, size: 0, records: 0 };
    this.segments.push(info);
    this.active = { info, handle };
    return this.active;
  }

  /** Deletes what retention allows now (the holder of segments moved on); nothing once closed or failed. */
  async applyRetention(): Promise<void> {
    if (this.closed || this.failure) return;
    await this.enforceRetention();
  }

  private async enforceRetention(): Promise<void> {
    const doomed = segmentsBeyondRetention(
      this.segments,
      this.options.segmentBytes,
      this.options.retentionBytes,
      this.options.keepFromSeq?.(),
    );
    if (doomed.length === 0) return;
    this.segments.splice(0, doomed.length);
    // The index forgets them first, so that no query is sent to a file being deleted.
    this.options.onSegmentsRemoved(doomed.map((segment) => segment.seq));
    for (const segment of doomed) {
      try {
        await this.options.fs.unlink(this.pathOf(segment.seq));
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') {
          this.options.logger.warn(
            `retention could not delete ${segmentFileName(segment.seq)}: ${errorMessage(error)}`,
          );
        }
      }
    }
  }

  private async fail(error: unknown, batch: PendingRecord[]): Promise<void> {
    const failure = new InputLogUnavailableError(describeFsError(error), { cause: error });
    this.failure = failure;
    this.options.logger.error(
      `writing the input log failed (${errorMessage(error)}): ` +
        'refusing inputs until it can be written again',
    );
    for (const pending of [...batch, ...this.queue.splice(0)]) pending.reject(failure);
    const active = this.active;
    this.active = null;
    this.abandoning = active ? this.abandon(active) : Promise.resolve();
    // Readiness turns 503 now, not once the file is dealt with.
    this.options.onFailure(failure);
    await this.abandoning;
  }

  /**
   * Cuts off whatever part of the failed batch reached the file, so that the
   * segment ends on a whole record, and closes it: records that follow go to
   * a new segment, never after bytes of unknown state.
   */
  private async abandon(active: ActiveSegment): Promise<void> {
    await active.handle.truncate(active.info.size).catch(() => undefined);
    await active.handle.close().catch(() => undefined);
  }

  private async probe(): Promise<void> {
    const path = join(this.options.dir, PROBE_NAME);
    const handle = await this.options.fs.open(path, 'w', 0o600);
    try {
      await writeFully(handle, Buffer.alloc(PROBE_BYTES));
      await handle.datasync();
    } finally {
      await handle.close();
      await this.options.fs.unlink(path).catch(() => undefined);
    }
  }
}
