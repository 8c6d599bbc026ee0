import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import type { GatewayEnv } from '../config/gateway.config';
import { ApiKeyVerifier } from './api-key.verifier';
import { FixedWindowCounter } from './fixed-window.counter';
import { SecurityHooks } from './security.hooks';

/**
 * API keys and rate limits, as Fastify hooks on every controller route that
 * is not marked otherwise (so that a new controller is protected and limited
 * by default). `configureGateway` installs them before the routes register.
 */
@Module({
  imports: [DiscoveryModule],
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
    {
      provide: FixedWindowCounter,
      inject: [ConfigService],
      useFactory: (config: ConfigService<GatewayEnv, true>): FixedWindowCounter =>
        new FixedWindowCounter(
          config.get('RATE_LIMIT_MAX', { infer: true }),
          config.get('RATE_LIMIT_WINDOW_MS', { infer: true }),
        ),
    },
    SecurityHooks,
  ],
  exports: [SecurityHooks],
})
export class SecurityModule {}
