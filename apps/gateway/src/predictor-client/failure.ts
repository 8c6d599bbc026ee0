import { isPredictorError } from '@ml-system/contracts';
import type { PredictorErrorCode } from '@ml-system/contracts';
import { ProblemException } from '@ml-system/server-core';
import type { RpcOutcome } from '../observability/gateway.metrics';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';

/** What one failure of the hop means. Decided here and nowhere else. */
export interface FailureClass {
  /** The predictor did no work, so another attempt (on another endpoint) is safe. */
  readonly retryable: boolean;
  /**
   * No answer came back, or the predictor said it cannot take work: counts against that
   * endpoint's breaker. Any other answer proves the endpoint alive.
   */
  readonly endpointDown: boolean;
  /** The attempt's `outcome` on metrics and spans. */
  readonly outcome: RpcOutcome;
  /**
   * The client's answer: 503 with Retry-After when nothing usable came back (detail always
   * starts with "Predictor is unavailable"), 504 when time ran out, each code's documented
   * status otherwise; never a 500.
   */
  problem(): ProblemException;
}

const unavailable = (detail: string, retryAfterSeconds: number): ProblemException =>
  new ProblemException(503, 'PREDICTOR_UNAVAILABLE', detail, {
    'retry-after': String(retryAfterSeconds),
  });

/**
 * The predictor's own codes. A `Record` over the closed list: a new code does not compile until
 * it has a row here.
 */
interface CodeRow {
  readonly retryable: boolean;
  readonly endpointDown: boolean;
  problem(message: string): ProblemException;
}

const refused = (message: string): ProblemException =>
  new ProblemException(400, 'VALIDATION_FAILED', `The model refused the input: ${message}`);

const BY_CODE: Readonly<Record<PredictorErrorCode, CodeRow>> = {
  INVALID_INPUT: { retryable: false, endpointDown: false, problem: refused },
  BATCH_TOO_LARGE: { retryable: false, endpointDown: false, problem: refused },
  DEADLINE_EXCEEDED: {
    retryable: false,
    endpointDown: false,
    problem: () =>
      new ProblemException(
        504,
        'DEADLINE_EXCEEDED',
        'The request deadline passed before the model ran',
      ),
  },
  // "I did no work and cannot take any": another endpoint may, and this one counts as failing.
  MODEL_NOT_READY: {
    retryable: true,
    endpointDown: true,
    problem: () => unavailable('Predictor is unavailable: no model loaded', 5),
  },
  // A model the request named is not ready: this endpoint still serves the others, so its
  // breaker must not count it (a client asking for a broken version would open it for everyone),
  // and the endpoints share one repository, so another attempt would likely meet the same state.
  MODEL_UNAVAILABLE: {
    retryable: false,
    endpointDown: false,
    problem: (message) =>
      new ProblemException(
        503,
        'MODEL_NOT_READY',
        `Predictor is unavailable for this model: ${message}`,
        {
          'retry-after': '1',
        },
      ),
  },
  // The endpoints serve one repository: another would not know the model either.
  MODEL_NOT_FOUND: {
    retryable: false,
    endpointDown: false,
    problem: (message) => new ProblemException(404, 'MODEL_NOT_FOUND', message),
  },
  // The model's queue was full: the endpoint is alive, and a retry would only add to the load.
  OVERLOADED: {
    retryable: false,
    endpointDown: false,
    problem: (message) =>
      new ProblemException(
        503,
        'OVERLOADED',
        `Predictor is unavailable: the model is overloaded (${message})`,
        { 'retry-after': '1' },
      ),
  },
  SHUTTING_DOWN: {
    retryable: true,
    endpointDown: true,
    problem: () => unavailable('Predictor is unavailable: shutting down', 1),
  },
  INTERNAL: {
    retryable: false,
    endpointDown: false,
    problem: () =>
      new ProblemException(502, 'PREDICTOR_ERROR', 'The predictor failed to handle the request'),
  },
};

/** The one table of the hop's failures: retry, breaker, outcome label and HTTP answer. */
export function classify(error: unknown): FailureClass {
  if (CircuitOpenError.is(error)) {
    return {
      retryable: true,
      endpointDown: true,
      outcome: 'UNAVAILABLE',
      problem: () =>
        new ProblemException(503, 'CIRCUIT_OPEN', error.message, {
          'retry-after': String(error.retryAfterSeconds),
        }),
    };
  }
  if (PredictorOverloadedError.is(error)) {
    // The gateway's own cap refused the call before any endpoint was asked.
    return {
      retryable: false,
      endpointDown: false,
      outcome: 'UNAVAILABLE',
      problem: () =>
        new ProblemException(503, 'OVERLOADED', error.message, {
          'retry-after': String(error.retryAfterSeconds),
        }),
    };
  }
  if (PredictorUnavailableError.is(error)) {
    return {
      retryable: true,
      endpointDown: true,
      outcome: 'UNAVAILABLE',
      problem: () => unavailable(error.message, error.retryAfterSeconds),
    };
  }
  if (PredictorTimeoutError.is(error)) {
    return {
      retryable: true,
      endpointDown: true,
      outcome: 'TIMEOUT',
      problem: () =>
        new ProblemException(
          504,
          'DEADLINE_EXCEEDED',
          `The predictor did not answer within the deadline (${error.waitedMs} ms)`,
        ),
    };
  }
  if (isPredictorError(error)) {
    const row = BY_CODE[error.code];
    return {
      retryable: row.retryable,
      endpointDown: row.endpointDown,
      outcome: error.code,
      problem: () => row.problem(error.message),
    };
  }
  // A socket error, a closed connection, a reply of no known shape: no usable answer.
  return {
    retryable: false,
    endpointDown: true,
    outcome: 'UNAVAILABLE',
    problem: () => unavailable('Predictor is unavailable: unexpected reply', 1),
  };
}
