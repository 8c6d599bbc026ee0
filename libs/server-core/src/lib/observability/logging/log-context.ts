import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation fields stamped on every log line written while serving one message or request. */
export interface LogContext {
  request_id: string;
  trace_id: string;
  span_id: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` (and everything it starts) with `context` as the current log
 * context. Used around the predictor's message handlers, where the handler,
 * its pipes and its filters log without being handed the ids.
 *
 * Not used on the gateway's HTTP path on purpose: on Node 20 the first
 * `run()` turns on promise hooks for the whole process, a cost the gateway's
 * throughput target cannot afford; its request line carries the ids itself.
 */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The log context of the code running now, if it runs inside `runWithLogContext`. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
