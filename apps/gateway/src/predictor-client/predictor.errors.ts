/**
 * Failures of the hop that never produced an answer from the model. Marked by
 * `kind` rather than only by class, so that `is()` still holds for an error
 * that crossed a realm or was re-thrown by a library that copies errors.
 */
abstract class MarkedError extends Error {
  abstract readonly kind: string;
}

/** No answer could be had: refused, reset, closed before the reply, no endpoint. */
export class PredictorUnavailableError extends MarkedError {
  readonly kind = 'PredictorUnavailable';

  constructor(
    readonly reason: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(`Predictor is unavailable: ${reason}`);
    this.name = 'PredictorUnavailableError';
  }

  static is(error: unknown): error is PredictorUnavailableError {
    return (error as { kind?: unknown } | null)?.kind === 'PredictorUnavailable';
  }
}

/** The attempt or the whole request ran out of time waiting for the predictor. */
export class PredictorTimeoutError extends MarkedError {
  readonly kind = 'PredictorTimeout';

  constructor(readonly waitedMs: number) {
    super(`the predictor did not answer within ${waitedMs} ms`);
    this.name = 'PredictorTimeoutError';
  }

  static is(error: unknown): error is PredictorTimeoutError {
    return (error as { kind?: unknown } | null)?.kind === 'PredictorTimeout';
  }
}

/** A short, log-safe description of a transport failure (socket errors, strings, objects). */
export function describeTransportError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
    if (code === 'ETIMEDOUT') return 'connection timed out';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'name not resolved';
    if (/connection closed/i.test(error.message)) return 'connection closed before the reply';
    return code ? code.toLowerCase() : 'transport error';
  }
  return 'unexpected reply';
}
