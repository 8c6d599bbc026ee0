import { Module } from '@nestjs/common';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { ObservabilityCoreModule } from '@ml-system/server-core';
import { GatewayMetrics } from './gateway.metrics';
import { RpcClientTelemetry } from './rpc-client.telemetry';

/** Probes and scrapes: their successful requests log at debug. */
const GATEWAY_QUIET_ROUTES = ['/health', '/health/live', '/health/ready', '/metrics'] as const;

/**
 * The gateway's logs, traces and metrics: the shared core (pino, tracer,
 * registry, `/metrics`, request hooks) plus the gateway's own metrics and
 * the client side of the TCP hop. A module that injects them imports this one.
 */
@Module({
  imports: [
    ObservabilityCoreModule.forRoot({
      service: 'gateway',
      version: SYSTEM_VERSION,
      quietRoutes: GATEWAY_QUIET_ROUTES,
    }),
  ],
  providers: [GatewayMetrics, RpcClientTelemetry],
  exports: [GatewayMetrics, RpcClientTelemetry],
})
export class ObservabilityModule {}
