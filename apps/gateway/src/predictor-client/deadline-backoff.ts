import type { IBackoff, IBackoffFactory } from 'cockatiel';

/**
 * Wraps a cockatiel backoff so that no delay runs into the request's deadline:
 * each delay is cut to what is left before `deadline`, minus `reserveMs` for
 * the attempt that follows. cockatiel's retry waits out its delay without
 * looking at any signal, so the bound has to be in the backoff itself.
 */
export class DeadlineBackoff<C> implements IBackoffFactory<C> {
  constructor(
    private readonly inner: IBackoffFactory<C>,
    private readonly deadline: number,
    private readonly reserveMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  next(context: C): IBackoff<C> {
    return this.bound(this.inner.next(context));
  }

  private bound(backoff: IBackoff<C>): IBackoff<C> {
    const left = this.deadline - this.now() - this.reserveMs;
    return {
      duration: Math.max(0, Math.min(backoff.duration, left)),
      next: (context: C) => this.bound(backoff.next(context)),
    };
  }
}
