import { ModelServingError } from '../model-errors';

export interface BatchSettings {
  /** Most rows (texts, or first-dimension entries) in one session run. */
  maxBatchSize: number;
  /**
   * How long the first request of a batch waits for others while the model is
   * idle; 0: only until the end of the event loop's turn (the requests read in
   * the same turn share the run).
   */
  maxQueueDelayMs: number;
  /** Rows waiting; one more request is refused at once with OVERLOADED. */
  maxQueue: number;
}

export interface SubmitOptions {
  /** Epoch ms after which nobody waits for the answer; Infinity when none. */
  deadline?: number;
  /**
   * Requests join a batch only with requests of an equal key (the same
   * tensor layout, the same outputs); undefined: the request runs alone.
   */
  key?: string;
}

interface Item<P, R> {
  payload: P;
  rows: number;
  key: string | undefined;
  deadline: number;
  resolve(result: R): void;
  reject(error: Error): void;
}

/**
 * Dynamic batching for one model version: concurrent requests run as one
 * session run, up to `maxBatchSize` rows. A batch forms while the previous
 * run computes, and, when the model is idle, for at most `maxQueueDelayMs`
 * (with 0, until the end of the event loop's turn: a setImmediate, so the
 * requests parsed from one read of the sockets run as one batch instead of
 * the first running alone; it adds no timer wait). The oldest waiting request leads each batch; later requests of its key
 * join it in order, the others keep their place. A request past its
 * deadline is dropped before the run, never after. One run at a time: the
 * version's worker runs one at a time anyway.
 *
 * `run` gets the payloads of a batch and gives one result per payload, in order.
 */
export class RowBatcher<P, R> {
  private readonly queue: Item<P, R>[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idle: (() => void) | undefined;

  constructor(
    private readonly settings: BatchSettings,
    private readonly run: (payloads: readonly P[]) => Promise<R[]>,
  ) {}

  /** The result of `payload` (of `rows` rows), from whichever batch it joins. */
  submit(payload: P, rows: number, options: SubmitOptions = {}): Promise<R> {
    if (this.queuedRows + rows > this.settings.maxQueue && this.queue.length > 0) {
      return Promise.reject(
        new ModelServingError('OVERLOADED', `${this.queuedRows} rows already queued`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        payload,
        rows,
        key: options.key,
        deadline: options.deadline ?? Infinity,
        resolve,
        reject,
      });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  /** Resolves once every request accepted so far has been answered (the model is unloading). */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length === 0) {
      this.idle?.();
      this.idle = undefined;
      return;
    }
    if (this.queuedRows >= this.settings.maxBatchSize) {
      this.flush();
      return;
    }
    if (this.settings.maxQueueDelayMs <= 0) {
      this.immediate ??= setImmediate(() => this.flush());
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.settings.maxQueueDelayMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.running) return;
    const batch: Item<P, R>[] = [];
    const skipped: Item<P, R>[] = [];
    let rows = 0;
    let scanned = 0;
    const now = Date.now();
    for (; scanned < this.queue.length; scanned++) {
      const next = this.queue[scanned];
      if (now > next.deadline) {
        this.queuedRows -= next.rows;
        next.reject(
          new ModelServingError(
            'DEADLINE_EXCEEDED',
            'the request deadline passed before the model ran',
          ),
        );
        continue;
      }
      const lead = batch[0];
      if (lead === undefined) {
        // A request larger than a batch still runs, alone.
        batch.push(next);
        rows = next.rows;
        this.queuedRows -= next.rows;
        continue;
      }
      if (lead.key === undefined) break;
      if (next.key !== lead.key) {
        skipped.push(next);
        continue;
      }
      if (rows + next.rows > this.settings.maxBatchSize) break;
      batch.push(next);
      rows += next.rows;
      this.queuedRows -= next.rows;
    }
    this.queue.splice(0, scanned, ...skipped);
    if (batch.length === 0) return this.schedule();
    this.running = true;
    this.run(batch.map((item) => item.payload))
      .then(
        (results) => batch.forEach((item, i) => item.resolve(results[i])),
        (error: unknown) => {
          for (const item of batch) item.reject(error as Error);
        },
      )
      .finally(() => {
        this.running = false;
        this.schedule();
      });
  }
}
