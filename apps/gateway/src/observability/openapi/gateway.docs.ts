import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiSecurity,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  ApiReadiness,
} from '@ml-system/server-core';
import type { ProblemResponse } from '@ml-system/server-core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../input-log/logs-query.dto';
import { ProcessRequestDto } from '../../process/process-request.dto';
import {
  GatewayHealthSchema,
  InputLogEntrySchema,
  InputLogPageSchema,
  ProcessResponseSchema,
} from './gateway.schemas';

/** Names of the security schemes the document declares (see gateway.openapi.ts). */
export const API_KEY_SCHEMES = ['api-key', 'bearer'] as const;

/**
 * What every operation behind the API-key guard can also answer: a missing or
 * wrong key (only when keys are configured), and the rate limit.
 */
const GUARDED_PROBLEMS: readonly ProblemResponse[] = [
  {
    status: 401,
    description:
      'API keys are configured and none of them was sent (x-api-key or Authorization: Bearer)',
    examples: { UNAUTHORIZED: 'A valid API key is required (x-api-key or Authorization: Bearer)' },
  },
  {
    status: 429,
    description:
      'More than RATE_LIMIT_MAX requests in RATE_LIMIT_WINDOW_MS from this key (or address)',
    examples: { RATE_LIMITED: 'Too many requests; retry after Retry-After seconds' },
    retryAfter: true,
  },
];

function guarded(): MethodDecorator {
  return applyDecorators(...API_KEY_SCHEMES.map((scheme) => ApiSecurity(scheme)));
}

// The OpenAPI description of each gateway operation, one decorator per
// handler, kept here so that the controllers carry one line each.

const EXAMPLE_ID = '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f';

/** `POST /process` and `POST /v1/process`. */
export function ApiProcess(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Log an input and, by default, classify it',
      description:
        'The input is recorded durably before any answer. With `forward_to_model` (default true) it is then sent ' +
        'to the predictor and the prediction is returned. `/v1/process` is the same operation.',
    }),
    ApiBody({
      type: ProcessRequestDto,
      examples: {
        predicted: {
          summary: 'Classify a text',
          value: { data: 'wags its tail when I come home', forward_to_model: true },
        },
        logged: {
          summary: 'Only log it',
          value: { data: 'sample input', forward_to_model: false },
        },
      },
    }),
    ApiOkResponse({
      type: ProcessResponseSchema,
      description: 'Recorded (and classified, when asked)',
      examples: {
        predicted: {
          summary: 'Classified',
          value: {
            status: 'Input logged successfully',
            model_prediction: {
              prediction: {
                class: 'dog',
                confidence: 0.93,
                input_length: 30,
                model: { name: 'animal-text-nb', version: '1.0.0' },
              },
              message: 'Predicted class: dog with 93.0% confidence',
            },
            request_id: EXAMPLE_ID,
          },
        },
        logged: {
          summary: 'Only logged',
          value: { status: 'Input logged successfully', request_id: EXAMPLE_ID },
        },
      },
    }),
    guarded(),
    ApiProblemResponses(
      ...JSON_BODY_PROBLEMS,
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      {
        status: 502,
        description: 'The predictor failed while handling the input (the input is logged)',
        examples: { PREDICTOR_ERROR: 'The predictor failed to handle the request' },
      },
      {
        status: 503,
        description:
          'The input could not be recorded, or the predictor is unreachable (the input is logged); retry after Retry-After',
        examples: {
          PREDICTOR_UNAVAILABLE: 'Predictor is unavailable: connection refused',
          CIRCUIT_OPEN: 'Predictor is unavailable: every endpoint is failing (circuit open)',
          OVERLOADED: 'Predictor is unavailable: too many requests in flight',
          INPUT_LOG_UNAVAILABLE:
            'The input could not be recorded, so it was not accepted; retry later',
        },
        retryAfter: true,
      },
      {
        status: 504,
        description:
          'The predictor did not answer within the request deadline (the input is logged)',
        examples: {
          DEADLINE_EXCEEDED: 'The predictor did not answer within the deadline (1000 ms)',
        },
      },
    ),
  );
}

/** `GET /health`. */
export function ApiGatewayHealth(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Health of the gateway and of its predictor (a real round trip over TCP)',
    }),
    ApiOkResponse({
      type: GatewayHealthSchema,
      description: 'healthy, or degraded (only the predictor is down)',
    }),
    ApiServiceUnavailableResponse({
      type: GatewayHealthSchema,
      description: 'unhealthy: inputs cannot be accepted',
    }),
  );
}

/** `GET /health/ready`. */
export function ApiGatewayReadiness(): MethodDecorator {
  return ApiReadiness(
    'Readiness: inputs can be recorded and the process is not draining',
    'Not ready (draining, or the input log is not writable)',
  );
}

const LOG_UNAVAILABLE: ProblemResponse = {
  status: 503,
  description: 'The input log cannot be read (not writable, or still being recovered at start)',
  examples: { INPUT_LOG_UNAVAILABLE: 'The input log is unavailable: it is still being recovered' },
  retryAfter: true,
};

/** `GET /logs`. */
export function ApiListLogs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'The input log, newest first',
      description:
        'Every acknowledged input with its outcome, as stored (per INPUT_LOG_REDACTION). Page with `before` = the previous `next`.',
    }),
    guarded(),
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
    }),
    ApiQuery({
      name: 'before',
      required: false,
      description: 'The `next` cursor of the previous page',
      schema: { type: 'string' },
    }),
    ApiOkResponse({ type: InputLogPageSchema }),
    ApiProblemResponses(
      {
        status: 400,
        description: 'A bad `limit` or `before`',
        examples: { VALIDATION_FAILED: 'limit: limit must not be greater than 500' },
      },
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      LOG_UNAVAILABLE,
    ),
  );
}

/** `GET /logs/:id`. */
export function ApiGetLog(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'One logged input, by its request id, merged with its outcome' }),
    guarded(),
    ApiParam({ name: 'id', description: 'The request id (request_id / x-request-id)' }),
    ApiOkResponse({ type: InputLogEntrySchema }),
    ApiProblemResponses(
      {
        status: 404,
        description: 'No input with this id, or it is past retention',
        examples: { NOT_FOUND: 'No input was logged with this id, or it is past retention' },
      },
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      LOG_UNAVAILABLE,
    ),
  );
}
