import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  /** Epoch ms when this window ends and the count starts again. */
  endsAt: number;
}

/** How often windows that ended are dropped, so that one-off clients do not accumulate. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * A fixed-window counter per key: O(1) time and one small object per active
 * key. @nestjs/throttler's default storage keeps one timestamp per hit and
 * filters that list on every request, which at the default limit (6,000 per
 * minute) is thousands of operations per request for a busy key.
 *
 * A window starts at a key's first request and lasts `ttl`; within it the
 * first `limit` requests pass and the rest are blocked until it ends, so
 * `Retry-After` is the time left in the window. Across a window boundary a
 * client can fit up to twice the limit into a short span; that is the usual
 * price of a fixed window.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private sweeper: NodeJS.Timeout | undefined;

  /** Keys with a live window (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Counts one request of `key`. A blocked key stays blocked until its window
   * ends, whatever `_blockDuration` says: the window is the block.
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttl };
      this.windows.set(key, window);
      this.startSweeping();
    }
    window.hits += 1;
    const secondsLeft = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    const isBlocked = window.hits > limit;
    return {
      totalHits: window.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
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
