import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC } from './security.constants';

/**
 * Marks a controller or a route as open: the global API-key guard lets it
 * through without a key. Everything not marked needs a key (when keys are
 * configured), so a new controller is protected by default.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
