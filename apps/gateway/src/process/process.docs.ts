import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiSchema,
} from '@nestjs/swagger';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  PredictionResultSchema,
} from '@ml-system/server-core';
import { ApiGuarded, GUARDED_PROBLEMS } from '../security/security.docs';
import { ProcessRequestDto } from './process-request.dto';
import { LOGGED_STATUS } from './process.types';
import type { ProcessResponse } from './process.types';

// The OpenAPI description of `POST /process`. The schema `implements` the type the handler
// returns, so a renamed field fails to compile here rather than leaving the document behind.

const EXAMPLE_ID = '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f';

@ApiSchema({ name: 'ProcessResponse', description: "The seed's response, plus the request id" })
export class ProcessResponseSchema implements ProcessResponse {
  @ApiProperty({ enum: [LOGGED_STATUS], example: LOGGED_STATUS })
  status!: typeof LOGGED_STATUS;

  @ApiPropertyOptional({
    type: PredictionResultSchema,
    description: 'Present when `forward_to_model` was true: what the model answered',
  })
  model_prediction?: PredictionResultSchema;

  @ApiProperty({
    description:
      'Id of this request (also the x-request-id header); the input log record has the same id',
    example: '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f',
  })
  request_id!: string;
}

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
    ApiGuarded(),
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
