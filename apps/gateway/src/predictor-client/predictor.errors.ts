import type { PredictorError, PredictorErrorCode } from '@ml-system/contracts';

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

/**
 * Every endpoint's circuit breaker is open (or half-open with its one probe
 * already in flight): the gateway refuses at once instead of queueing behind a
 * predictor that is known to be failing. `retryAfterSeconds` counts to the
 * earliest moment a breaker lets a probe through.
 */
export class CircuitOpenError extends MarkedError {
  readonly kind = 'CircuitOpen';

  constructor(
    readonly endpoints: number,
    readonly retryAfterSeconds = 1,
  ) {
    super(
      `Predictor is unavailable: the circuit is open for ${endpoints === 1 ? 'its endpoint' : `all ${endpoints} endpoints`}`,
    );
    this.name = 'CircuitOpenError';
  }

  static is(error: unknown): error is CircuitOpenError {
    return (error as { kind?: unknown } | null)?.kind === 'CircuitOpen';
  }
}

/** MAX_IN_FLIGHT predictor calls are already running; this one was refused, not queued. */
export class PredictorOverloadedError extends MarkedError {
  readonly kind = 'PredictorOverloaded';

  constructor(
    readonly limit: number,
    readonly retryAfterSeconds = 1,
  ) {
    super(`Predictor is unavailable: ${limit} calls already in flight`);
    this.name = 'PredictorOverloadedError';
  }

  static is(error: unknown): error is PredictorOverloadedError {
    return (error as { kind?: unknown } | null)?.kind === 'PredictorOverloaded';
  }
}

/**
 * The predictor answered with a deliberate `{code, message}`. Crossing the wire
 * it is a plain object; the client re-throws it as this Error, which still
 * satisfies `isPredictorError()` (same `code` and `message`), so the mapper
 * and every other check read it the same way.
 */
export class PredictorRejectedError extends MarkedError implements PredictorError {
  readonly kind = 'PredictorRejected';

  constructor(
    readonly code: PredictorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PredictorRejectedError';
  }

  static is(error: unknown): error is PredictorRejectedError {
    return (error as { kind?: unknown } | null)?.kind === 'PredictorRejected';
  }
}

/**
 * A short, log-safe description of a transport failure (socket errors, strings, objects).
 * Duck-typed rather than `instanceof Error`: socket errors are made by Node's
 * core in its own realm, which is not the caller's under a test runner's VM.
 */
export function describeTransportError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null) return 'unexpected reply';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return 'unexpected reply';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ETIMEDOUT') return 'connection timed out';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'name not resolved';
  if (/connection closed/i.test(message)) return 'connection closed before the reply';
  return typeof code === 'string' ? code.toLowerCase() : 'transport error';
}
