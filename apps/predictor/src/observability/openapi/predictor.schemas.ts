import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
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
import { HealthChecksSchema, PredictionResultSchema } from '@ml-system/server-core';
import type { PredictorHealthBody } from '../../health/health.controller';

// OpenAPI schemas of the predictor's HTTP bodies. The request DTOs live in the
// contracts lib, which stays free of swagger decorators (its lint rules ban
// Nest runtime imports, and it is shared with the TCP side that has no use
// for them): the schemas are declared here and `implements` each DTO, and
// their limits come from the same constants the validators use.

/** Which model serves the request (DESIGN §9); both optional. */
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

@ApiSchema({
  name: 'PredictorHealth',
  description: 'healthy when the model answers a probe text; else unhealthy (503)',
})
export class PredictorHealthSchema extends HealthChecksSchema implements PredictorHealthBody {
  @ApiProperty({ enum: ['predictor'], example: 'predictor' })
  service!: 'predictor';

  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  status!: 'healthy' | 'unhealthy';
}
