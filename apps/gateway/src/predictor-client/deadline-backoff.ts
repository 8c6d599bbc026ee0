import type { IBackoff, IBackoffFactory } from 'cockatiel';

/**
 * Wraps a cockatiel backoff so that no delay runs into the request's deadline:
 * each delay is cut to what is left before the deadline, minus `reserveMs` for
 * the attempt that follows. cockatiel's retry waits out its delay without
 * looking at any signal, so the bound has to be in the backoff itself.
 *
 * The deadline is read from each backoff context (`deadlineOf`), not fixed at
 * construction, so that one retry policy serves every call: building a policy
 * per call cost about a kilobyte of objects per request.
 */
export class DeadlineBackoff<C> implements IBackoffFactory<C> {
  constructor(
    private readonly inner: IBackoffFactory<C>,
    private readonly deadlineOf: (context: C) => number,
    private readonly reserveMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  next(context: C): IBackoff<C> {
    return this.bound(this.inner.next(context), context);
  }

  private bound(backoff: IBackoff<C>, context: C): IBackoff<C> {
    const left = this.deadlineOf(context) - this.now() - this.reserveMs;
    return {
      duration: Math.max(0, Math.min(backoff.duration, left)),
      next: (nextContext: C) => this.bound(backoff.next(nextContext), nextContext),
    };
  }
}
