import { applyDecorators } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiSchema,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { ApiReadiness, HealthChecksSchema } from '@ml-system/server-core';
import type { PredictorHealthBody } from './health.types';

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
