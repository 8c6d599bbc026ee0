import { FixedWindowThrottlerStorage } from './fixed-window.storage';

describe(FixedWindowThrottlerStorage.name, () => {
  let storage: FixedWindowThrottlerStorage;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    storage = new FixedWindowThrottlerStorage();
  });

  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  const hit = (key = 'k') => storage.increment(key, 60_000, 3, 60_000, 'default');

  it('lets `limit` requests through a window, then blocks until it ends', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    await hit();
    expect((await hit()).isBlocked).toBe(false);
    jest.advanceTimersByTime(20_500);
    expect(await hit()).toEqual({
      totalHits: 4,
      timeToExpire: 40,
      isBlocked: true,
      timeToBlockExpire: 40,
    });
    jest.advanceTimersByTime(39_500);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('counts each key on its own', async () => {
    for (let i = 0; i < 5; i += 1) await hit('a');
    expect((await hit('a')).isBlocked).toBe(true);
    expect((await hit('b')).isBlocked).toBe(false);
  });

  it('never says to retry in less than a second', async () => {
    for (let i = 0; i < 3; i += 1) await hit();
    jest.advanceTimersByTime(59_999);
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
  });

  it('drops windows that ended, so one-off clients do not pile up', async () => {
    await hit('a');
    jest.advanceTimersByTime(30_000);
    await hit('b');
    expect(storage.size).toBe(2);
    jest.advanceTimersByTime(30_000);
    expect(storage.size).toBe(1);
    jest.advanceTimersByTime(30_000);
    expect(storage.size).toBe(0);
  });
});
