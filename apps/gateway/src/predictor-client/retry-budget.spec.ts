import { DEFAULT_RETRY_BURST, RetryBudget } from './retry-budget';

describe(RetryBudget.name, () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  const drain = (budget: RetryBudget): number => {
    let granted = 0;
    while (budget.tryWithdraw()) granted += 1;
    return granted;
  };

  it('starts with one second of the minimum rate', () => {
    expect(drain(new RetryBudget({ ratio: 0.2, minPerSecond: 10, now: clock }))).toBe(10);
    expect(drain(new RetryBudget({ ratio: 0.2, minPerSecond: 0, now: clock }))).toBe(0);
  });

  it('grants one retry per five first attempts at a ratio of 0.2', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, now: clock });
    for (let i = 0; i < 4; i += 1) budget.deposit();
    expect(budget.tryWithdraw()).toBe(false);
    budget.deposit();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('keeps retries near 20% of the calls in a long outage, whatever the load', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 10, now: clock });
    let calls = 0;
    let retries = 0;
    // 10 s at 1000 calls/s, each call wanting 2 retries (every attempt fails).
    for (let ms = 0; ms < 10_000; ms += 1) {
      now += 1;
      budget.deposit();
      calls += 1;
      for (let r = 0; r < 2; r += 1) if (budget.tryWithdraw()) retries += 1;
    }
    // 20% of the calls, plus the 10/s floor, plus the starting tokens.
    expect(retries / calls).toBeGreaterThan(0.19);
    expect(retries).toBeLessThanOrEqual(0.2 * calls + 10 * 10 + 10 + 1);
  });

  it('refills at the minimum rate with no traffic, up to the burst', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 10, now: clock });
    drain(budget);
    now += 500;
    expect(drain(budget)).toBe(5);
    now += 60_000;
    expect(drain(budget)).toBe(DEFAULT_RETRY_BURST);
  });

  it('caps deposits at the burst', () => {
    const budget = new RetryBudget({ ratio: 1, minPerSecond: 0, capacity: 3, now: clock });
    for (let i = 0; i < 100; i += 1) budget.deposit();
    expect(budget.balance).toBe(3);
    expect(drain(budget)).toBe(3);
  });

  it('never takes a token it does not have', () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, now: clock });
    budget.deposit();
    expect(budget.tryWithdraw()).toBe(false);
    expect(budget.balance).toBe(0.5);
  });
});
