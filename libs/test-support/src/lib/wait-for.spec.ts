import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './wait-for';

describe(waitFor.name, () => {
  it('returns the first truthy answer of the probe', async () => {
    let calls = 0;
    await expect(
      waitFor('the third call', () => ++calls >= 3 && calls, { intervalMs: 1 }),
    ).resolves.toBe(3);
  });

  it('names what never happened when the deadline passes', async () => {
    await expect(
      waitFor('a miracle', () => false, { timeoutMs: 30, intervalMs: 5 }),
    ).rejects.toThrow('timed out after 30 ms waiting for a miracle');
  });

  it('stops polling at once when its signal is aborted, with the reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const waiting = waitFor('never', () => (++calls, false), {
      timeoutMs: 10_000,
      intervalMs: 20,
      signal: controller.signal,
    });
    await sleep(50);
    const started = Date.now();
    controller.abort(new Error('the process exited'));
    await expect(waiting).rejects.toThrow('the process exited');
    expect(Date.now() - started).toBeLessThan(1_000);
    const callsAtAbort = calls;
    await sleep(100);
    // No probe after the abort: the loop is gone, not just its promise.
    expect(calls).toBe(callsAtAbort);
  });
});
