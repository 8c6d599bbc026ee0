import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import {
  ApiProblemResponses,
  HealthCheckResultSchema,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
} from '@ml-system/server-core';
import { ProcessRequestDto } from '../../process/process-request.dto';
import { GatewayHealthSchema, ProcessResponseSchema } from './gateway.schemas';

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
    ApiProblemResponses(
      ...JSON_BODY_PROBLEMS,
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
  return applyDecorators(
    ApiOperation({ summary: 'Readiness: inputs can be recorded and the process is not draining' }),
    ApiOkResponse({ type: HealthCheckResultSchema }),
    ApiServiceUnavailableResponse({
      type: HealthCheckResultSchema,
      description: 'Not ready (draining, or the input log is not writable)',
    }),
  );
}
