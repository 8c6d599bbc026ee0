import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { HealthChecksSchema, PredictionResultSchema } from '@ml-system/server-core';
import { LOGGED_STATUS } from '../../process/process.types';
import type { ProcessResponse } from '../../process/process.types';
import type { GatewayHealthBody, GatewayStatus } from '../../health/health.controller';

// Response schemas of the gateway's operations. Each `implements` the type the
// handler returns, so a renamed field fails to compile here rather than
// leaving the document behind.

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

@ApiSchema({
  name: 'GatewayHealth',
  description:
    'healthy: all checks up. degraded (still 200): only the predictor is down, inputs are still logged. unhealthy (503): inputs cannot be accepted',
})
export class GatewayHealthSchema extends HealthChecksSchema implements GatewayHealthBody {
  @ApiProperty({ enum: ['gateway'], example: 'gateway' })
  service!: 'gateway';

  @ApiProperty({ enum: ['healthy', 'degraded', 'unhealthy'], example: 'healthy' })
  status!: GatewayStatus;
}
