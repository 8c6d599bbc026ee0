import { ConstantBackoff, ExponentialBackoff, noJitterGenerator } from 'cockatiel';
import { DeadlineBackoff } from './deadline-backoff';

describe(DeadlineBackoff.name, () => {
  it('passes delays through while the deadline is far', () => {
    const now = 0;
    const backoff = new DeadlineBackoff(
      new ExponentialBackoff({ initialDelay: 10, maxDelay: 1000, generator: noJitterGenerator }),
      () => 10_000,
      20,
      () => now,
    );
    const first = backoff.next(undefined);
    const second = first.next(undefined);
    expect([first.duration, second.duration]).toEqual([10, 20]);
  });

  it('cuts a delay to what is left before the deadline, minus the reserve for the attempt', () => {
    let now = 0;
    const backoff = new DeadlineBackoff(
      new ConstantBackoff(500),
      () => 300,
      20,
      () => now,
    );
    expect(backoff.next(undefined).duration).toBe(280);
    now = 290;
    expect(backoff.next(undefined).duration).toBe(0);
  });

  it('reads the deadline of each context, so that one backoff serves calls with different deadlines', () => {
    const backoff = new DeadlineBackoff<{ deadline: number }>(
      new ConstantBackoff(500),
      (context) => context.deadline,
      20,
      () => 0,
    );
    const early = backoff.next({ deadline: 100 });
    expect(early.duration).toBe(80);
    expect(backoff.next({ deadline: 10_000 }).duration).toBe(500);
    expect(early.next({ deadline: 50 }).duration).toBe(30);
  });
});
