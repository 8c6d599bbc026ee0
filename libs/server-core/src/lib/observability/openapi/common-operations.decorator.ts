import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { HealthCheckResultSchema, LivenessSchema, ServiceBannerSchema } from './prediction.schema';

/** `GET /` on both services. */
export function ApiServiceBanner(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Service banner' }),
    ApiOkResponse({ type: ServiceBannerSchema }),
  );
}

/** `GET /health/live` on both services. */
export function ApiLiveness(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Liveness: the process answers' }),
    ApiOkResponse({ type: LivenessSchema }),
  );
}

/**
 * `GET /health/ready` on both services: 200 when the service can take
 * traffic, 503 with the Terminus details otherwise.
 * @param summary what "ready" means for this service
 * @param notReady when it is not
 */
export function ApiReadiness(summary: string, notReady: string): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({ type: HealthCheckResultSchema }),
    ApiServiceUnavailableResponse({ type: HealthCheckResultSchema, description: notReady }),
  );
}
