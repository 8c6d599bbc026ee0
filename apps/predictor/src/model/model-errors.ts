/** The reasons a model request fails that are the caller's, or the load's, not a bug. */
export type ModelErrorCode =
  'MODEL_NOT_FOUND' | 'MODEL_NOT_READY' | 'OVERLOADED' | 'INVALID_INPUT' | 'DEADLINE_EXCEEDED';

/**
 * A model request refused on purpose. Each face maps the code: TCP sends it
 * as a predictor error, `/predict` as a problem, the Open Inference Protocol
 * as `{"error"}` with its status.
 */
export class ModelServingError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelServingError';
  }

  static is(error: unknown): error is ModelServingError {
    return error instanceof ModelServingError;
  }
}

/** HTTP status of each code, on both HTTP faces. */
export const MODEL_ERROR_STATUS: Readonly<Record<ModelErrorCode, number>> = {
  INVALID_INPUT: 400,
  MODEL_NOT_FOUND: 404,
  OVERLOADED: 503,
  MODEL_NOT_READY: 503,
  DEADLINE_EXCEEDED: 504,
};
