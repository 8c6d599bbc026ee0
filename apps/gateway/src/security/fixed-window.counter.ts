import type { OnApplicationShutdown } from '@nestjs/common';

interface Window {
  hits: number;
  /** Epoch ms when this window ends and the count starts again. */
  endsAt: number;
}

/** How often windows that ended are dropped, so that one-off clients do not accumulate. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * A fixed-window request counter per key: O(1) time, synchronous, and one
 * small object per active key. (@nestjs/throttler's default storage keeps one
 * timestamp per hit and filters that list on every request, which at the
 * default limit, 6,000 per minute, is thousands of operations per request for
 * a busy key.)
 *
 * A window starts at a key's first request and lasts `windowMs`; within it the
 * first `limit` requests pass and the rest are refused until it ends, so the
 * wait is the time left in the window. Across a window boundary a client can
 * fit up to twice the limit into a short span; that is the usual price of a
 * fixed window.
 */
export class FixedWindowCounter implements OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Keys with a live window (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Counts one request of `key`: 0 when it may pass, else the whole seconds
   * (at least 1) until its window ends. No object per call: this runs on
   * every request.
   */
  hit(key: string): number {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
      this.startSweeping();
    }
    window.hits += 1;
    return window.hits > this.limit ? Math.max(1, Math.ceil((window.endsAt - now) / 1000)) : 0;
  }

  /** Drops the windows that ended before `now`. */
  sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.windows.clear();
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }
}
