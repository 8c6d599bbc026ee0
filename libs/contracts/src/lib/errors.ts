/**
 * The closed list of error codes the predictor sends across the TCP hop, as
 * `RpcException({code, message})`. The gateway maps each to an HTTP status in
 * one place; adding a code here makes its exhaustive switch fail to lint until
 * the mapping is written.
 */
export const PREDICTOR_ERROR_CODES = [
  /** The payload failed validation. */
  'INVALID_INPUT',
  /** More inputs than MAX_BATCH_SIZE. */
  'BATCH_TOO_LARGE',
  /** The request's deadline had passed before the model ran. */
  'DEADLINE_EXCEEDED',
  /** No model loaded (starting, or the artifact failed to load). */
  'MODEL_NOT_READY',
  /** The request named a model or a version the predictor does not have. */
  'MODEL_NOT_FOUND',
  /**
   * The request named a model (or version) the predictor has but cannot serve now (loading,
   * failed to load, unloaded). Unlike MODEL_NOT_READY it says nothing about the predictor itself,
   * which serves its other models.
   */
  'MODEL_UNAVAILABLE',
  /** The model's queue is full: refused at once rather than left to wait. */
  'OVERLOADED',
  /** The predictor is shutting down and takes no new work. */
  'SHUTTING_DOWN',
  /** Anything else; details stay in the predictor's log. */
  'INTERNAL',
] as const;

export type PredictorErrorCode = (typeof PREDICTOR_ERROR_CODES)[number];

/** The body of an `RpcException` raised by the predictor. */
export interface PredictorError {
  code: PredictorErrorCode;
  message: string;
}

const CODES: ReadonlySet<string> = new Set(PREDICTOR_ERROR_CODES);

/**
 * True for an error the predictor sent on purpose. Checks the code's value, not
 * the shape: socket errors (`ECONNREFUSED`) also carry `code` and `message`, and
 * errors that crossed the wire are plain objects, never `instanceof` anything.
 */
export function isPredictorError(value: unknown): value is PredictorError {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && CODES.has(code) && typeof message === 'string';
}

export function predictorError(code: PredictorErrorCode, message: string): PredictorError {
  return { code, message };
}
