import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LifecycleModule } from '@ml-system/server-core';
import { validateGatewayEnv } from './config/gateway.config';
import { HealthModule } from './health/health.module';
import { InferenceModule } from './inference/inference.module';
import { ObservabilityModule } from './observability/observability.module';
import { ProcessModule } from './process/process.module';
import { SecurityModule } from './security/security.module';

/** Composes the gateway; holds no logic of its own. */
@Module({})
export class AppModule {
  /**
   * Built at call time, not import time, so that a bad environment throws
   * inside bootstrap, where it is reported cleanly.
   */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateGatewayEnv }),
        LifecycleModule,
        // Its hooks attach to routes as they register (configureGateway installs them).
        SecurityModule,
        ObservabilityModule,
        ProcessModule,
        InferenceModule,
        HealthModule,
      ],
    };
  }
}
