import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '@ml-system/contracts';
import type { HttpErrorCode } from '@ml-system/contracts';
import { ProblemException } from '../../problem/problem.exception';
import { toProblem } from '../../problem/to-problem';
import { ProblemDetailsSchema } from './problem-details.schema';

/** One documented error status of an operation, with the codes it can carry. */
export interface ProblemResponse {
  status: number;
  description: string;
  /** Each code gets an example body, built by the real mapper from this detail (and field errors). */
  examples: Partial<Record<HttpErrorCode, string | { detail: string; errors: string[] }>>;
  /** The response carries Retry-After (503, 429). */
  retryAfter?: boolean;
}

const EXAMPLE_REQUEST_ID = '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f';

/**
 * Documents error responses as application/problem+json with the
 * `ProblemDetails` schema. Example bodies come from `toProblem()` itself, so
 * the documented `type`, `title` and `status` of a code are the served ones.
 */
export function ApiProblemResponses(
  ...responses: ProblemResponse[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsSchema),
    ...responses.map(({ status, description, examples, retryAfter }) =>
      ApiResponse({
        status,
        description,
        ...(retryAfter
          ? {
              headers: {
                'Retry-After': {
                  description: 'Seconds to wait before retrying',
                  schema: { type: 'integer' },
                },
              },
            }
          : {}),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(ProblemDetailsSchema) },
            examples: Object.fromEntries(
              Object.entries(examples).map(([code, example]) => {
                const { detail, errors } =
                  typeof example === 'string' ? { detail: example, errors: undefined } : example;
                const problem = new ProblemException(
                  status,
                  code as HttpErrorCode,
                  detail,
                  {},
                  errors,
                );
                return [
                  code,
                  { summary: code, value: toProblem(problem, EXAMPLE_REQUEST_ID).body },
                ];
              }),
            ),
          },
        },
      }),
    ),
  );
}

/** The failures every JSON-body endpoint shares: the body parser's and the validation pipe's. */
export const JSON_BODY_PROBLEMS: readonly ProblemResponse[] = [
  {
    status: 400,
    description:
      'The body is not valid JSON, not an object, or fails validation (each field named in `errors`)',
    examples: {
      VALIDATION_FAILED: {
        detail: 'The request is invalid',
        errors: ['extra: property extra should not exist'],
      },
      MALFORMED_JSON: 'The body is not valid JSON',
    },
  },
  {
    status: 413,
    description: 'The body is larger than allowed',
    examples: { PAYLOAD_TOO_LARGE: 'The request body is larger than allowed' },
  },
  {
    status: 415,
    description: 'The body is not application/json',
    examples: { UNSUPPORTED_MEDIA_TYPE: 'Send the body as application/json' },
  },
];

/** A bug: never caused by what the client sent. The request id finds the logged cause. */
export const INTERNAL_PROBLEM: ProblemResponse = {
  status: 500,
  description: 'An unexpected server fault; the request_id finds its log line',
  examples: { INTERNAL: 'The server failed to handle the request' },
};
