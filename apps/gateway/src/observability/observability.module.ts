import { Global, Module } from '@nestjs/common';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { ObservabilityCoreModule } from '@ml-system/server-core';
import { GatewayMetrics } from './gateway.metrics';
import { GATEWAY_QUIET_ROUTES, gatewaySuccessOutcome } from './request-outcome';
import { RpcClientTelemetry } from './rpc-client.telemetry';

/**
 * The gateway's logs, traces and metrics: the shared core (pino, tracer,
 * registry, `/metrics`, request hooks) plus the gateway's own metrics and
 * the client side of the TCP hop. Global so that the predictor client and the
 * input log can inject `GatewayMetrics` without importing this module.
 */
@Global()
@Module({
  imports: [
    ObservabilityCoreModule.forRoot({
      service: 'gateway',
      version: SYSTEM_VERSION,
      quietRoutes: GATEWAY_QUIET_ROUTES,
      successOutcome: gatewaySuccessOutcome,
    }),
  ],
  providers: [GatewayMetrics, RpcClientTelemetry],
  exports: [GatewayMetrics, RpcClientTelemetry],
})
export class ObservabilityModule {}
