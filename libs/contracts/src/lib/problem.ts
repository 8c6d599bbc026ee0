/** Media type of every error body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Codes of the HTTP errors the services answer with. Each is documented in the
 * README and the OpenAPI document; `type` is `/problems/<code in kebab case>`.
 */
export const HTTP_ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
  'PREDICTOR_UNAVAILABLE',
  'PREDICTOR_ERROR',
  'CIRCUIT_OPEN',
  'OVERLOADED',
  'DEADLINE_EXCEEDED',
  'MODEL_NOT_READY',
  'MODEL_NOT_FOUND',
  'SHUTTING_DOWN',
  'INPUT_LOG_UNAVAILABLE',
  'INTERNAL',
] as const;

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** An RFC 9457 problem, with the request id that finds it in the logs. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: HttpErrorCode;
  request_id: string;
  /** For validation failures: one line per offending field. */
  errors?: string[];
}

export function problemType(code: HttpErrorCode): string {
  return `/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}
