import { Global, Module } from '@nestjs/common';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { ObservabilityCoreModule } from '@ml-system/server-core';
import type { SuccessOutcome } from '@ml-system/server-core';
import { PredictorMetrics } from './predictor.metrics';
import { RpcTelemetry } from './rpc-telemetry.service';

/** `/predict` and `/predict/batch` answer only with predictions. */
const predictorSuccessOutcome: SuccessOutcome = (route) =>
  route.startsWith('/predict') ? 'predicted' : undefined;

/**
 * The predictor's logs, traces and metrics: the shared core plus the model's
 * metrics and the server side of the TCP hop. Global so that the predict
 * module's service and RPC controller can inject them.
 */
@Global()
@Module({
  imports: [
    ObservabilityCoreModule.forRoot({
      service: 'predictor',
      version: SYSTEM_VERSION,
      quietRoutes: ['/health', '/health/live', '/health/ready', '/metrics'],
      successOutcome: predictorSuccessOutcome,
    }),
  ],
  providers: [PredictorMetrics, RpcTelemetry],
  exports: [PredictorMetrics, RpcTelemetry],
})
export class ObservabilityModule {}
