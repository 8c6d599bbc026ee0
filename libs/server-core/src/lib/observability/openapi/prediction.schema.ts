import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { ANIMAL_CLASSES, SYSTEM_VERSION } from '@ml-system/contracts';
import type { ModelRef, Prediction, PredictionResult } from '@ml-system/contracts';

// OpenAPI schemas of the contracts' prediction types, shared by both apps'
// documents. Declared here, not in the contracts lib: see ProblemDetailsSchema.
// Each `implements` the contract type, so the two cannot drift silently.

@ApiSchema({ name: 'ModelRef', description: 'Which model answered' })
export class ModelRefSchema implements ModelRef {
  @ApiProperty({ example: 'animal-text-nb' })
  name!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;
}

@ApiSchema({ name: 'Prediction', description: "One prediction, with the seed's wire names" })
export class PredictionSchema implements Prediction {
  @ApiProperty({
    description: `Predicted class; the bundled model knows ${ANIMAL_CLASSES.join(', ')}`,
    example: 'dog',
  })
  class!: string;

  @ApiProperty({
    description: 'Calibrated probability of `class`',
    minimum: 0,
    maximum: 1,
    example: 0.93,
  })
  confidence!: number;

  @ApiProperty({ description: 'Length of the input text, in characters', minimum: 0, example: 30 })
  input_length!: number;

  @ApiProperty({ type: ModelRefSchema })
  model!: ModelRefSchema;
}

@ApiSchema({ name: 'PredictionResult', description: "The seed's predict response" })
export class PredictionResultSchema implements PredictionResult {
  @ApiProperty({ type: PredictionSchema })
  prediction!: PredictionSchema;

  @ApiProperty({ example: 'Predicted class: dog with 93.0% confidence' })
  message!: string;
}

@ApiSchema({ name: 'ServiceBanner', description: 'What answers on this port' })
export class ServiceBannerSchema {
  @ApiProperty({ example: 'gateway' })
  service!: string;

  @ApiProperty({ enum: ['running'], example: 'running' })
  status!: 'running';

  @ApiProperty({ example: SYSTEM_VERSION })
  version!: string;
}

/** Checks by name, each `{status: 'up' | 'down', ...details}`. */
const INDICATOR: SchemaObject = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  required: ['status'],
  additionalProperties: true,
};

/** The Terminus check maps every health body carries; apps add their own `status` (and `service`). */
export abstract class HealthChecksSchema {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: INDICATOR,
    description: 'Checks that are up',
    example: { lifecycle: { status: 'up', draining: false } },
  })
  info?: HealthCheckResult['info'];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: INDICATOR,
    description: 'Checks that are down, with the reason',
    example: {},
  })
  error?: HealthCheckResult['error'];

  @ApiProperty({
    type: 'object',
    additionalProperties: INDICATOR,
    description: 'Every check',
    example: { lifecycle: { status: 'up', draining: false } },
  })
  details!: HealthCheckResult['details'];
}

@ApiSchema({ name: 'HealthCheckResult', description: 'Terminus result of a readiness check' })
export class HealthCheckResultSchema extends HealthChecksSchema {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: string;
}

@ApiSchema({ name: 'Liveness', description: 'The process answers' })
export class LivenessSchema {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}
