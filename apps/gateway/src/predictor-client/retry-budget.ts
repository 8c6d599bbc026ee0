export interface RetryBudgetOptions {
  /**
   * Tokens each first attempt deposits, i.e. the share of extra load retries
   * may add on top of the requests themselves (0.2 = at most ~20% more calls).
   */
  ratio: number;
  /**
   * Retries allowed per second whatever the traffic, so that a quiet gateway
   * (a handful of requests) can still ride out a predictor restart.
   */
  minPerSecond: number;
  /** Most tokens the bucket holds: the largest burst of retries after a calm spell. */
  capacity?: number;
  /** Clock, epoch ms; injectable for tests. */
  now?: () => number;
}

/** The default burst: enough for every call in flight on one failed endpoint of a busy pool. */
export const DEFAULT_RETRY_BURST = 20;

/**
 * A token bucket that bounds retries to a share of the traffic, so that when a
 * predictor is down retries cannot multiply the load on what is left (the
 * classic retry storm). Each request's first attempt deposits `ratio` tokens,
 * time deposits `minPerSecond` tokens a second, each retry withdraws one.
 * Retries are refused while the balance is below one token.
 *
 * cockatiel has no retry budget (its retry policy bounds attempts per call,
 * not across calls), so this one is ours; it is consulted by the call policy
 * before each retry. Same idea as Finagle's RetryBudget and gRPC's retry
 * throttling (https://github.com/grpc/proposal/blob/master/A6-client-retries.md).
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly minPerMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;

  constructor(options: RetryBudgetOptions) {
    this.ratio = options.ratio;
    this.minPerMs = options.minPerSecond / 1000;
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_RETRY_BURST);
    this.now = options.now ?? (() => Date.now());
    // Start with one second of the minimum: a gateway that just booted into a
    // predictor restart may retry, but not with a full burst.
    this.tokens = Math.min(this.capacity, options.minPerSecond);
    this.refilledAt = this.now();
  }

  /** Tokens available now (fractional). */
  get balance(): number {
    this.refill();
    return this.tokens;
  }

  /** Records a request's first attempt. */
  deposit(): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + this.ratio);
  }

  /** Takes one token for a retry; false (and nothing taken) when the budget is spent. */
  tryWithdraw(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.refilledAt = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.minPerMs);
  }
}
