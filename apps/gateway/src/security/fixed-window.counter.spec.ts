import { FixedWindowCounter } from './fixed-window.counter';

describe(FixedWindowCounter.name, () => {
  let counter: FixedWindowCounter;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    counter = new FixedWindowCounter(3, 60_000);
  });

  afterEach(() => {
    counter.onApplicationShutdown();
    jest.useRealTimers();
  });

  const hit = (key = 'k') => counter.hit(key);

  it('lets `limit` requests through a window, then refuses until it ends', () => {
    expect([hit(), hit(), hit()]).toEqual([0, 0, 0]);
    jest.advanceTimersByTime(20_500);
    expect(hit()).toBe(40);
    jest.advanceTimersByTime(39_500);
    expect(hit()).toBe(0);
  });

  it('counts each key on its own', () => {
    for (let i = 0; i < 5; i += 1) hit('a');
    expect(hit('a')).toBeGreaterThan(0);
    expect(hit('b')).toBe(0);
  });

  it('never says to retry in less than a second', () => {
    for (let i = 0; i < 3; i += 1) hit();
    jest.advanceTimersByTime(59_999);
    expect(hit()).toBe(1);
  });

  it('drops windows that ended, so one-off clients do not pile up', () => {
    hit('a');
    jest.advanceTimersByTime(30_000);
    hit('b');
    expect(counter.size).toBe(2);
    jest.advanceTimersByTime(30_000);
    expect(counter.size).toBe(1);
    jest.advanceTimersByTime(30_000);
    expect(counter.size).toBe(0);
  });
});
