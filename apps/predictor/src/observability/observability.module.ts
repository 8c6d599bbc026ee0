import { Module } from '@nestjs/common';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { ObservabilityCoreModule } from '@ml-system/server-core';
import { PredictorMetrics } from './predictor.metrics';

/**
 * The predictor's logs, traces and metrics: the shared core plus the model's metrics. A module
 * that injects `PredictorMetrics` imports this one. The server side of the TCP hop
 * (`RpcTelemetry`) is provided by the predict module, with the failure policy it applies.
 */
@Module({
  imports: [
    ObservabilityCoreModule.forRoot({
      service: 'predictor',
      version: SYSTEM_VERSION,
      quietRoutes: ['/health', '/health/live', '/health/ready', '/metrics'],
    }),
  ],
  providers: [PredictorMetrics],
  exports: [PredictorMetrics],
})
export class ObservabilityModule {}
