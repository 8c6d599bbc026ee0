import { isPredictorError } from '@ml-system/contracts';
import { ProblemException } from '@ml-system/server-core';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';

/**
 * The one place a failure of the predictor call becomes an HTTP answer.
 * Unreachable, open circuit, overload → 503 with Retry-After (detail always
 * starts with "Predictor is unavailable"); out of time → 504; each predictor
 * error code → its documented status. Anything unrecognised is treated as "no
 * usable answer" (503), never as a 500.
 */
export function toHttpError(error: unknown): ProblemException {
  if (CircuitOpenError.is(error)) {
    return new ProblemException(503, 'CIRCUIT_OPEN', error.message, {
      'retry-after': String(error.retryAfterSeconds),
    });
  }
  if (PredictorOverloadedError.is(error)) {
    return new ProblemException(503, 'OVERLOADED', error.message, {
      'retry-after': String(error.retryAfterSeconds),
    });
  }
  if (PredictorUnavailableError.is(error)) {
    return new ProblemException(503, 'PREDICTOR_UNAVAILABLE', error.message, {
      'retry-after': String(error.retryAfterSeconds),
    });
  }
  if (PredictorTimeoutError.is(error)) {
    return new ProblemException(
      504,
      'DEADLINE_EXCEEDED',
      `The predictor did not answer within the deadline (${error.waitedMs} ms)`,
    );
  }
  if (!isPredictorError(error)) {
    return new ProblemException(
      503,
      'PREDICTOR_UNAVAILABLE',
      'Predictor is unavailable: unexpected reply',
      {
        'retry-after': '1',
      },
    );
  }
  switch (error.code) {
    case 'INVALID_INPUT':
    case 'BATCH_TOO_LARGE':
      return new ProblemException(
        400,
        'VALIDATION_FAILED',
        `The model refused the input: ${error.message}`,
      );
    case 'DEADLINE_EXCEEDED':
      return new ProblemException(
        504,
        'DEADLINE_EXCEEDED',
        'The request deadline passed before the model ran',
      );
    case 'MODEL_NOT_READY':
      return new ProblemException(
        503,
        'PREDICTOR_UNAVAILABLE',
        'Predictor is unavailable: no model loaded',
        {
          'retry-after': '5',
        },
      );
    case 'SHUTTING_DOWN':
      return new ProblemException(
        503,
        'PREDICTOR_UNAVAILABLE',
        'Predictor is unavailable: shutting down',
        {
          'retry-after': '1',
        },
      );
    case 'MODEL_NOT_FOUND':
      return new ProblemException(404, 'MODEL_NOT_FOUND', error.message);
    case 'OVERLOADED':
      return new ProblemException(
        503,
        'OVERLOADED',
        `Predictor is unavailable: the model is overloaded (${error.message})`,
        {
          'retry-after': '1',
        },
      );
    case 'INTERNAL':
      return new ProblemException(
        502,
        'PREDICTOR_ERROR',
        'The predictor failed to handle the request',
      );
  }
}
