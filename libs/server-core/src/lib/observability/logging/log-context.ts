/** Correlation fields stamped on every log line written while serving one message or request. */
export interface LogContext {
  request_id: string;
  trace_id: string;
  span_id: string;
}

/**
 * The context of the synchronous call running now (see `runWithSyncLogContext`).
 * No AsyncLocalStorage: the handlers that log are synchronous, so a plain
 * variable set around the call is all the context needs, at no cost per promise.
 */
let synchronous: LogContext | undefined;

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

/** The log context of the code running now, if it runs inside `runWithSyncLogContext`. */
export function currentLogContext(): LogContext | undefined {
  return synchronous;
}
