import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation fields stamped on every log line written while serving one message or request. */
export interface LogContext {
  request_id: string;
  trace_id: string;
  span_id: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** The context of the synchronous call running now (see `runWithSyncLogContext`). */
let synchronous: LogContext | undefined;

/**
 * Runs `fn` (and everything it starts) with `context` as the current log
 * context.
 *
 * Not used on the gateway's HTTP path nor on the predictor's message path on
 * purpose: on Node 20 the first `run()` turns on promise hooks for the whole
 * process, a cost paid by every promise afterwards; their lines carry the ids
 * themselves, or use `runWithSyncLogContext`.
 */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Runs the synchronous `fn` with `context` as the current log context, at the
 * cost of two assignments: no AsyncLocalStorage, so what `fn` starts
 * asynchronously does not inherit it. For handlers that finish before they
 * return, such as the predictor's message handlers (the model runs
 * synchronously).
 */
export function runWithSyncLogContext<T>(context: LogContext, fn: () => T): T {
  const outer = synchronous;
  synchronous = context;
  try {
    return fn();
  } finally {
    synchronous = outer;
  }
}

/** The log context of the code running now, if it runs inside `runWithLogContext` or `runWithSyncLogContext`. */
export function currentLogContext(): LogContext | undefined {
  return synchronous ?? storage.getStore();
}
