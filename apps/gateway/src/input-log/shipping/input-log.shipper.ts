import { ExponentialBackoff } from 'cockatiel';
import type { IBackoff } from 'cockatiel';
import { performance } from 'node:perf_hooks';
import { InstanceIdInUseError } from '../database/input-log.database';
import type { InputLogDatabase } from '../database/input-log.database';
import { errorMessage } from '../input-log.errors';
import type { LogFs } from '../storage/log-fs';
import { nodeLogFs } from '../storage/log-fs';
import { SegmentFollower } from '../storage/segment-follower';
import type { FollowPosition } from '../storage/segment-follower';
import type { SegmentLogStore } from '../storage/segment-log.store';
import type { LogSink } from '../storage/segment-writer';
import { shipBatchFromLog } from './ship-batch';

export type ShipperState = 'starting' | 'shipping' | 'caught_up' | 'retrying' | 'stopped';

export interface ShipperOptions {
  instanceId: string;
  /** Unshipped bytes at which new inputs are refused. */
  backlogBytes: number;
  /** About how many bytes of the local log one transaction carries. */
  batchBytes?: number;
  /**
   * How many bytes of the latest durable writes the log keeps in memory: a
   * shipper that keeps up takes its batches from there, not from disk. 0: always from disk.
   */
  recentBytes?: number;
  /** First and longest wait between failed attempts. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How long an idle shipper waits for a durable batch before looking again anyway. */
  idleMs?: number;
  /**
   * After a batch smaller than batchBytes, how long the shipper lets records
   * gather before the next transaction. Without it, under load every group
   * commit became a transaction of a few records, and the per-transaction work
   * (read, BEGIN, upsert, position, COMMIT) cost the request path's CPU.
   */
  lingerMs?: number;
  logger: LogSink;
  fs?: LogFs;
  /** Told of every batch that landed: records, seconds (metrics). */
  onBatch?: (records: number, seconds: number) => void;
  /** Told of every failed attempt (metrics). */
  onFailure?: () => void;
}

export interface ShipperStatus {
  state: ShipperState;
  instanceId: string;
  unshippedRecords: number;
  unshippedBytes: number;
  /** Seconds since the oldest record not yet shipped was written; 0 when caught up. */
  oldestUnshippedAgeSeconds: number;
  shippedRecords: number;
  consecutiveFailures: number;
  lastError: string | null;
  backlogFull: boolean;
}

const DEFAULT_BATCH_BYTES = 1024 * 1024;
/** The last durable writes kept in memory for the shipper: a few batches' worth, a few MiB at most. */
const DEFAULT_RECENT_BYTES = 4 * 1024 * 1024;
const DEFAULT_LINGER_MS = 50;

/** When the first input or outcome among these records was written (epoch ms), or null. Parses only up to it. */
function firstWrittenAt(records: readonly Buffer[]): number | null {
  for (const json of records) {
    let record: unknown;
    try {
      record = JSON.parse(json.toString('utf8'));
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null) continue;
    const { type, received_at, recorded_at } = record as Record<string, unknown>;
    const at = type === 'input' ? received_at : type === 'outcome' ? recorded_at : undefined;
    if (typeof at === 'string') return Date.parse(at);
  }
  return null;
}

/**
 * Copies every record of the local log, in order, into PostgreSQL, beside
 * the request path: a request waits for the local durable write only. Each
 * batch is written with the position after it in one transaction, so what
 * landed is known exactly across retries, crashes and restarts. While the
 * database is away the backlog stays on disk (the store keeps every segment
 * from the position on), attempts back off, and at the bound new inputs are refused.
 */
export class InputLogShipper {
  private readonly follower: SegmentFollower;
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private readonly batchBytes: number;
  private position: FollowPosition | null = null;
  /**
   * A batch whose transaction failed without an answer: its COMMIT may have
   * landed (the connection broke after the server committed). The next try
   * asks the database first, rather than ship the batch again.
   */
  private unconfirmed: { next: FollowPosition; records: number } | null = null;
  private migrated = false;
  private state: ShipperState = 'starting';
  private lastError: string | null = null;
  private failures = 0;
  private shippedRecords = 0;
  /** When the first record not shipped yet was written (epoch ms); null when caught up or unknown. */
  private oldestPendingAt: number | null = null;
  private stopping = false;
  private sleeping: { done: () => void; wakeable: boolean } | null = null;
  private running: Promise<void> = Promise.resolve();
  private caughtUpWaiters: Array<() => void> = [];
  private refusing = false;

  constructor(
    private readonly store: SegmentLogStore,
    private readonly database: InputLogDatabase,
    private readonly options: ShipperOptions,
  ) {
    this.follower = new SegmentFollower(store.directory, options.fs ?? nodeLogFs);
    this.backoffFactory = new ExponentialBackoff({
      initialDelay: options.initialDelayMs ?? 100,
      maxDelay: options.maxDelayMs ?? 5000,
    });
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    // Until the position is known, nothing may go: every segment is held.
    store.holdSegmentsFrom(() => this.position?.seq ?? 0);
    const recentBytes = options.recentBytes ?? DEFAULT_RECENT_BYTES;
    if (recentBytes > 0) store.keepRecentRecords(recentBytes);
    store.addDurableListener(() => this.wake());
  }

  /** Starts shipping once the local log is open; never throws (failures are retried). */
  start(): void {
    this.running = this.run();
  }

  /**
   * Ships what is left, for at most `drainMs` (the local log must be closed
   * first, so nothing more arrives), then stops and closes the pool. What is
   * not shipped by then stays on disk and goes after the next start.
   */
  async stop(drainMs: number): Promise<void> {
    if (drainMs > 0 && this.state !== 'stopped') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.whenCaughtUp(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.stopping = true;
    this.wake();
    await this.running;
    for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
    this.state = 'stopped';
    await this.follower.close();
    await this.database.close().catch(() => undefined);
    const { unshippedRecords } = this.status();
    if (unshippedRecords > 0)
      this.options.logger.warn(
        `stopped with ${unshippedRecords} records not shipped; they ship after the next start`,
      );
  }

  /** Resolves once a look at the log, started after this call, finds nothing more to ship. */
  whenCaughtUp(): Promise<void> {
    const caughtUp = new Promise<void>((resolve) => this.caughtUpWaiters.push(resolve));
    this.wake();
    return caughtUp;
  }

  /** True when the unshipped backlog has reached its bound: inputs must be refused. Says why once. */
  backlogFull(): boolean {
    const full = this.unshippedBytes() >= this.options.backlogBytes;
    if (full !== this.refusing) {
      this.refusing = full;
      if (full)
        this.options.logger.error(
          `the unshipped input-log backlog reached INPUT_LOG_SHIP_BACKLOG_BYTES (${this.options.backlogBytes} bytes)` +
            `${this.lastError ? ` while the database fails (${this.lastError})` : ''}: ` +
            'new inputs are refused with 503 until the shipper catches up',
        );
      else this.options.logger.log('the unshipped input-log backlog is below its bound again');
    }
    return full;
  }

  status(): ShipperStatus {
    const pending = this.oldestPendingAt;
    return {
      state: this.state,
      instanceId: this.options.instanceId,
      unshippedRecords: this.unshippedRecords(),
      unshippedBytes: this.unshippedBytes(),
      oldestUnshippedAgeSeconds:
        pending === null || this.state === 'caught_up'
          ? 0
          : Math.max(0, (Date.now() - pending) / 1000),
      shippedRecords: this.shippedRecords,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      backlogFull: this.unshippedBytes() >= this.options.backlogBytes,
    };
  }

  /** Where shipping resumes: a record not yet in the database starts there. */
  shippedUpTo(): FollowPosition | null {
    return this.position;
  }

  private unshippedBytes(): number {
    return this.store.durableBytesFrom(this.position);
  }

  private unshippedRecords(): number {
    const from = this.position;
    let records = 0;
    for (const segment of this.store.segmentInfos()) {
      if (from && segment.seq < from.seq) continue;
      records += (segment.records ?? 0) - (from && segment.seq === from.seq ? from.records : 0);
    }
    return Math.max(0, records);
  }

  private async run(): Promise<void> {
    await this.store.whenOpen();
    let backoff: IBackoff<unknown> | null = null;
    while (!this.stopping) {
      // Only the waiters there before this look may be told it found nothing.
      const waiters = this.caughtUpWaiters.splice(0);
      try {
        const step = await this.step();
        const shipped = step !== 'nothing';
        if (this.failures > 0)
          this.options.logger.log(
            `shipping to the database resumed after ${this.failures} failed attempts`,
          );
        this.failures = 0;
        this.lastError = null;
        backoff = null;
        if (!shipped) {
          this.state = 'caught_up';
          this.oldestPendingAt = null;
          for (const resolve of waiters) resolve();
          await this.sleep(this.options.idleMs ?? 1000, true);
        } else {
          this.state = 'shipping';
          this.caughtUpWaiters.unshift(...waiters);
          // A full batch means a backlog: go on at once. A partial one: let the next gather.
          if (step === 'partial')
            await this.sleep(this.options.lingerMs ?? DEFAULT_LINGER_MS, false);
        }
      } catch (error) {
        this.caughtUpWaiters.unshift(...waiters);
        this.failures++;
        this.state = 'retrying';
        this.lastError = errorMessage(error);
        this.options.onFailure?.();
        if (error instanceof InstanceIdInUseError) {
          // Not an outage: a configuration error that retrying will not cure while the other runs.
          if (this.failures === 1 || this.failures % 100 === 0)
            this.options.logger.error(
              `${error.message}; ${this.unshippedBytes()} bytes wait on local disk ` +
                `(inputs are refused at ${this.options.backlogBytes})`,
            );
        } else if (this.failures === 1 || this.failures % 100 === 0)
          this.options.logger.warn(
            `shipping the input log to the database failed (${this.lastError}; attempt ${this.failures}): ` +
              `retrying with backoff; ${this.unshippedBytes()} bytes wait on local disk ` +
              `(inputs are refused at ${this.options.backlogBytes})`,
          );
        backoff = backoff ? backoff.next(undefined) : this.backoffFactory.next();
        // Not woken by new records: the database sets the pace while it fails.
        await this.sleep(backoff.duration, false);
      }
    }
  }

  /** Ships one batch: 'full' when it reached batchBytes (more may wait), 'partial', or 'nothing'. */
  private async step(): Promise<'nothing' | 'partial' | 'full'> {
    if (!this.migrated) {
      await this.database.migrate();
      this.migrated = true;
    }
    const segments = this.store.segmentInfos();
    if (!this.position) {
      const stored = await this.database.position(this.options.instanceId);
      const oldest = segments[0];
      if (!stored && !oldest) return 'nothing';
      this.position = stored ?? { seq: oldest?.seq ?? 0, offset: 0, records: 0 };
    }
    if (this.unconfirmed) await this.confirm(this.unconfirmed);
    const from = this.position;
    // What was just written is still in memory while the shipper keeps up; the disk has the
    // rest. Only from a point of this log, as the follower checks (the directory may be new).
    const segment = segments.find((info) => info.seq === from.seq);
    const recent =
      segment && from.offset <= segment.size ? this.store.recentFrom(from, this.batchBytes) : null;
    const read = recent ?? (await this.follower.read(from, segments, this.batchBytes));
    const moved = read.next.seq !== from.seq || read.next.offset !== from.offset;
    if (!moved) return 'nothing';
    // The records go as the log holds them: the database parses them, not the gateway.
    const batch = shipBatchFromLog(read.records, read.records.length);
    this.oldestPendingAt ??= firstWrittenAt(read.records);
    const started = performance.now();
    this.unconfirmed = { next: read.next, records: batch.records };
    await this.database.ship(this.options.instanceId, batch, read.next);
    this.unconfirmed = null;
    this.options.onBatch?.(batch.records, (performance.now() - started) / 1000);
    await this.shipped(from, read.next, batch.records);
    // The follower stops at a record boundary below batchBytes: half a batch counts as a backlog.
    const full =
      read.next.seq !== from.seq || (read.next.offset - from.offset) * 2 >= this.batchBytes;
    return full ? 'full' : 'partial';
  }

  /** After a failed batch: if the database holds its position, it landed (only this shipper writes that row). */
  private async confirm(attempt: { next: FollowPosition; records: number }): Promise<void> {
    const stored = await this.database.position(this.options.instanceId);
    this.unconfirmed = null;
    const from = this.position;
    if (from && stored?.seq === attempt.next.seq && stored.offset === attempt.next.offset)
      await this.shipped(from, attempt.next, attempt.records);
  }

  private async shipped(
    from: FollowPosition,
    next: FollowPosition,
    records: number,
  ): Promise<void> {
    this.position = next;
    this.shippedRecords += records;
    this.oldestPendingAt = null;
    // Segments held for shipping that retention would have deleted go now, not at the next rotation.
    if (next.seq !== from.seq) await this.store.releaseShipped();
  }

  /** Ends an idle wait at once (a backoff too, when stopping). */
  private wake(): void {
    const sleeping = this.sleeping;
    if (!sleeping || (!sleeping.wakeable && !this.stopping)) return;
    this.sleeping = null;
    sleeping.done();
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.sleeping?.done === done) this.sleeping = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleeping = { done, wakeable };
    });
  }
}
