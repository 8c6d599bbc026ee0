import { applyDecorators } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiSchema,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { ApiReadiness, HealthChecksSchema } from '@ml-system/server-core';
import type { GatewayHealthBody, GatewayStatus } from './gateway-status';

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
