import { RpcException } from '@nestjs/microservices';
import { predictorError } from '@ml-system/contracts';
import type { HttpErrorCode } from '@ml-system/contracts';
import { ProblemException } from '@ml-system/server-core';
import { MODEL_ERROR_STATUS, ModelServingError } from '../model/model-errors';
import type { ModelErrorCode } from '../model/model-errors';

const PROBLEM_CODE: Readonly<Record<ModelErrorCode, HttpErrorCode>> = {
  INVALID_INPUT: 'VALIDATION_FAILED',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  OVERLOADED: 'OVERLOADED',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
};

/** `/predict`'s form of a model error: a problem+json; anything else is rethrown as it is. */
export function asProblem(error: unknown): never {
  if (!ModelServingError.is(error)) throw error;
  const status = MODEL_ERROR_STATUS[error.code];
  throw new ProblemException(
    status,
    PROBLEM_CODE[error.code],
    error.message,
    status === 503 ? { 'retry-after': '1' } : {},
  );
}

/** The TCP form: the predictor error of the same code; anything else is rethrown as it is. */
export function asRpcError(error: unknown): never {
  if (!ModelServingError.is(error)) throw error;
  throw new RpcException(predictorError(error.code, error.message));
}

/**
 * The TCP form for a request that named its model: a model that is not ready is
 * MODEL_UNAVAILABLE (that model's state), not MODEL_NOT_READY (which tells the
 * gateway this predictor takes no work, and counts against its breaker).
 */
export function asNamedModelRpcError(error: unknown): never {
  if (ModelServingError.is(error) && error.code === 'MODEL_NOT_READY') {
    throw new RpcException(predictorError('MODEL_UNAVAILABLE', error.message));
  }
  return asRpcError(error);
}
