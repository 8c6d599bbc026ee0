import { ModelServingError } from '../model-errors';

export interface BatchSettings {
  /** Most texts in one session run. */
  maxBatchSize: number;
  /**
   * How long the first text of a batch waits for others while the model is
   * idle; 0: only until the end of the event loop's turn (the requests read in
   * the same turn share the run).
   */
  maxQueueDelayMs: number;
  /** Texts waiting; one more is refused at once with OVERLOADED. */
  maxQueue: number;
}

interface Item {
  texts: readonly string[];
  /** Epoch ms after which nobody waits for the answer; Infinity when none. */
  deadline: number;
  resolve(rows: number[][]): void;
  reject(error: Error): void;
}

/**
 * Dynamic batching for one model version: the texts of concurrent requests
 * run as one session run (padded to the longest, with the attention mask),
 * up to `maxBatchSize` texts. A batch forms while the previous run computes,
 * and, when the model is idle, for at most `maxQueueDelayMs` (with 0, until
 * the end of the event loop's turn: a setImmediate, so the requests parsed
 * from one read of the sockets run as one batch instead of the first running
 * alone, as the bench's floor batches; it adds no timer wait). A request past
 * its deadline is dropped before the run, never after. One run at a time:
 * the version's worker runs one at a time anyway.
 */
export class TextBatcher {
  private readonly queue: Item[] = [];
  private queuedTexts = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idle: (() => void) | undefined;

  constructor(
    private readonly settings: BatchSettings,
    private readonly run: (texts: readonly string[]) => Promise<number[][]>,
  ) {}

  /** The rows of `texts`, in order, from whichever batch they join. */
  submit(texts: readonly string[], deadline = Infinity): Promise<number[][]> {
    if (this.queuedTexts + texts.length > this.settings.maxQueue && this.queue.length > 0) {
      return Promise.reject(
        new ModelServingError('OVERLOADED', `${this.queuedTexts} texts already queued`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, deadline, resolve, reject });
      this.queuedTexts += texts.length;
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
    const full = this.queuedTexts >= this.settings.maxBatchSize;
    if (full) {
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
    const batch: Item[] = [];
    let texts = 0;
    const now = Date.now();
    while (this.queue.length > 0) {
      const next = this.queue[0];
      // A request larger than a batch still runs, alone.
      if (batch.length > 0 && texts + next.texts.length > this.settings.maxBatchSize) break;
      this.queue.shift();
      this.queuedTexts -= next.texts.length;
      if (now > next.deadline) {
        next.reject(
          new ModelServingError(
            'DEADLINE_EXCEEDED',
            'the request deadline passed before the model ran',
          ),
        );
        continue;
      }
      batch.push(next);
      texts += next.texts.length;
    }
    if (batch.length === 0) return this.schedule();
    this.running = true;
    this.run(batch.flatMap((item) => item.texts))
      .then(
        (rows) => {
          let offset = 0;
          for (const item of batch) {
            item.resolve(rows.slice(offset, offset + item.texts.length));
            offset += item.texts.length;
          }
        },
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
