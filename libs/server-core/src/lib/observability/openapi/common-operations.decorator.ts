import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LivenessSchema, ServiceBannerSchema } from './prediction.schema';

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
