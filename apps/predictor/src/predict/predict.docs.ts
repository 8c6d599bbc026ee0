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
  MAX_BATCH_SIZE,
  MAX_INPUT_CHARS,
  MODEL_NAME_PATTERN,
  MODEL_VERSION_PATTERN,
} from '@ml-system/contracts';
import type {
  BatchPredictionResult,
  ModelInfo,
  PredictBatchRequestDto,
  PredictRequestDto,
} from '@ml-system/contracts';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  PredictionResultSchema,
} from '@ml-system/server-core';
import type { ProblemResponse } from '@ml-system/server-core';

// OpenAPI schemas of the predictor's HTTP bodies. The request DTOs live in the
// contracts lib, which stays free of swagger decorators (its lint rules ban
// Nest runtime imports, and it is shared with the TCP side that has no use
// for them): the schemas are declared here and `implements` each DTO, and
// their limits come from the same constants the validators use.

/** Which model serves the request (docs/model-serving.md); both optional. */
class ModelSelectorSchema {
  @ApiPropertyOptional({
    description: 'A model of the repository; unset: DEFAULT_MODEL',
    pattern: MODEL_NAME_PATTERN.source,
    example: 'animal-text-nb',
  })
  model?: string;

  @ApiPropertyOptional({
    description: 'A version folder of that model; unset: its latest ready version',
    pattern: MODEL_VERSION_PATTERN.source,
    example: '1',
  })
  version?: string;
}

@ApiSchema({
  name: 'PredictRequest',
  description: "The seed's predict body, and optionally which model",
})
export class PredictRequestSchema extends ModelSelectorSchema implements PredictRequestDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_INPUT_CHARS,
    example: 'my goldfish swims in circles',
  })
  input!: string;
}

@ApiSchema({
  name: 'PredictBatchRequest',
  description: 'Several texts, classified in one call, in order',
})
export class PredictBatchRequestSchema
  extends ModelSelectorSchema
  implements PredictBatchRequestDto
{
  @ApiProperty({
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: MAX_INPUT_CHARS },
    minItems: 1,
    maxItems: MAX_BATCH_SIZE,
    example: ['the cat purrs on my lap', 'a rabbit nibbles clover'],
  })
  inputs!: string[];
}

@ApiSchema({
  name: 'BatchPredictionResult',
  description: 'One result per input, in the order given',
})
export class BatchPredictionResultSchema implements BatchPredictionResult {
  @ApiProperty({ type: [PredictionResultSchema] })
  predictions!: PredictionResultSchema[];
}

@ApiSchema({ name: 'ModelInfo', description: 'The loaded model' })
export class ModelInfoSchema implements ModelInfo {
  @ApiProperty({ example: 'animal-text-nb' })
  name!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;

  @ApiProperty({ type: [String], example: ['cat', 'dog', 'bird', 'fish', 'rabbit'] })
  classes!: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Training facts of the artifact (corpus, metrics, date)',
  })
  metadata!: Record<string, unknown>;
}

/** What naming a model can fail with (docs/model-serving.md). */
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
