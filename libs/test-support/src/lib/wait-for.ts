import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a truthy value or `timeoutMs` passes; then
 * throws with `what` so the failing test says what never happened. An aborted
 * `signal` ends the wait at once with its reason: a caller that has its answer
 * another way (the process exited) stops the polling instead of leaving it
 * running until the deadline.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  {
    timeoutMs = 10_000,
    intervalMs = 25,
    signal,
  }: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    signal?.throwIfAborted();
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    try {
      await sleep(intervalMs, undefined, signal ? { signal } : undefined);
    } catch (error) {
      // The sleep's AbortError, in the caller's terms: the signal's reason.
      signal?.throwIfAborted();
      throw error;
    }
  }
}
