import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC, SKIP_RATE_LIMIT } from './security.constants';

/**
 * Marks a controller or a route as open: the API-key hook is not attached to
 * it. Everything not marked needs a key (when keys are configured), so a new
 * controller is protected by default.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Marks a controller or a route as never rate limited (the health probes). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator =>
  SetMetadata(SKIP_RATE_LIMIT, true);
