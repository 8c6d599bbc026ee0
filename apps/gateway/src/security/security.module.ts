import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { GatewayEnv } from '../config/gateway.config';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyVerifier } from './api-key.verifier';
import { FixedWindowThrottlerStorage } from './fixed-window.storage';
import { RateLimitGuard } from './rate-limit.guard';
import { RouteMetadataCache } from './route-metadata-cache';

/**
 * API keys and rate limits, as global guards (so that a new controller is
 * protected and limited by default). Nest runs global guards in the order
 * they are provided: the key guard first, so the limiter can count per key.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<GatewayEnv, true>) => ({
        throttlers: [
          {
            name: 'default',
            limit: config.get('RATE_LIMIT_MAX', { infer: true }),
            ttl: config.get('RATE_LIMIT_WINDOW_MS', { infer: true }),
          },
        ],
        storage: new FixedWindowThrottlerStorage(),
        // Only a 429 says how long to wait (Retry-After); no X-RateLimit-* on every answer.
        setHeaders: false,
      }),
    }),
  ],
  providers: [
    {
      provide: ApiKeyVerifier,
      inject: [ConfigService],
      useFactory: (config: ConfigService<GatewayEnv, true>): ApiKeyVerifier =>
        ApiKeyVerifier.fromSources(
          config.get('API_KEYS', { infer: true }),
          config.get('API_KEYS_FILE', { infer: true }),
        ),
    },
    // One cache of route metadata for both guards: it is fixed once the app is built.
    { provide: RouteMetadataCache, useValue: new RouteMetadataCache() },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class SecurityModule {}
