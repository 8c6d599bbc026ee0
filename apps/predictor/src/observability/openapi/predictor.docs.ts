import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  PredictionResultSchema,
  ApiReadiness,
} from '@ml-system/server-core';
import type { ProblemResponse } from '@ml-system/server-core';
import {
  BatchPredictionResultSchema,
  ModelInfoSchema,
  PredictBatchRequestSchema,
  PredictRequestSchema,
  PredictorHealthSchema,
} from './predictor.schemas';

/** What naming a model can fail with (DESIGN §9). */
export const MODEL_PROBLEMS: readonly ProblemResponse[] = [
  {
    status: 404,
    description: 'The request names a model or a version the repository does not have',
    examples: { MODEL_NOT_FOUND: 'unknown model "sentiment"' },
  },
  {
    status: 503,
    description: "The model's queue is full, or the version named is not ready",
    examples: {
      OVERLOADED: '256 requests already queued',
      MODEL_NOT_READY: 'model "sentiment" version 2 is UNAVAILABLE: the warm-up run failed',
    },
    retryAfter: true,
  },
];

// The OpenAPI description of each predictor HTTP operation, one decorator per
// handler, kept here so that the controllers carry one line each.

/** `POST /predict`. */
export function ApiPredict(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Classify one text' }),
    ApiBody({ type: PredictRequestSchema }),
    ApiOkResponse({ type: PredictionResultSchema }),
    ApiProblemResponses(...JSON_BODY_PROBLEMS, ...MODEL_PROBLEMS, INTERNAL_PROBLEM),
  );
}

/** `POST /predict/batch`. */
export function ApiPredictBatch(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Classify several texts in one call, in order' }),
    ApiBody({ type: PredictBatchRequestSchema }),
    ApiOkResponse({ type: BatchPredictionResultSchema }),
    ApiProblemResponses(...JSON_BODY_PROBLEMS, ...MODEL_PROBLEMS, INTERNAL_PROBLEM),
  );
}

/** `GET /model`. */
export function ApiModelInfo(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'The loaded model: name, version, classes, training metadata' }),
    ApiOkResponse({ type: ModelInfoSchema }),
  );
}

/** `GET /health`. */
export function ApiPredictorHealth(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Health: the model answers a probe text' }),
    ApiOkResponse({ type: PredictorHealthSchema }),
    ApiServiceUnavailableResponse({
      type: PredictorHealthSchema,
      description: 'The model does not answer',
    }),
  );
}

/** `GET /health/ready`. */
export function ApiPredictorReadiness(): MethodDecorator {
  return ApiReadiness(
    'Readiness: a model answers and the process is not draining',
    'Not ready (draining, or no model)',
  );
}
