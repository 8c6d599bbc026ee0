import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ApiLiveness, LifecycleService, runHealthCheck } from '@ml-system/server-core';
import { ApiGatewayHealth, ApiGatewayReadiness } from '../observability/openapi/gateway.docs';
import { Public } from '../security/public.decorator';
import { InputLogShipperHealthIndicator } from './input-log-shipper.health';
import { InputLogHealthIndicator } from './input-log.health';
import { PredictorHealthIndicator } from './predictor.health';

export type GatewayStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface GatewayHealthBody extends Omit<HealthCheckResult, 'status'> {
  service: 'gateway';
  status: GatewayStatus;
}

/** Down, these leave the gateway taking inputs: the predictor, and the shipper to the database below its backlog bound. */
const DEGRADING = new Set(['predictor', 'input_log_shipper']);

/**
 * healthy: everything up. degraded (still 200): only the predictor or the
 * shipper is down, so inputs are still logged and `forward_to_model: false` still works.
 * unhealthy (503): the gateway itself cannot accept inputs.
 */
export function gatewayStatus(result: HealthCheckResult): GatewayStatus {
  const down = Object.keys(result.error ?? {});
  if (down.length === 0) return 'healthy';
  return down.every((key) => DEGRADING.has(key)) ? 'degraded' : 'unhealthy';
}

/** Probes: open (no API key) and never rate limited, so orchestrators always get an answer. */
@Public()
@SkipThrottle()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly predictor: PredictorHealthIndicator,
    private readonly inputLog: InputLogHealthIndicator,
    private readonly shipper: InputLogShipperHealthIndicator,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Get()
  @ApiGatewayHealth()
  async status(@Res({ passthrough: true }) reply: FastifyReply): Promise<GatewayHealthBody> {
    const result = await runHealthCheck(this.health, [
      () => this.inputLog.check(),
      () => this.lifecycle.readiness(),
      () => this.predictor.check(),
      ...(this.shipper.enabled ? [() => this.shipper.check()] : []),
    ]);
    const status = gatewayStatus(result);
    void reply.status(status === 'unhealthy' ? 503 : 200);
    return { service: 'gateway', ...result, status };
  }

  /** The process answers. Never depends on the predictor. */
  @Get('live')
  @ApiLiveness()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Can take traffic: inputs can be recorded and the process is not draining. */
  @Get('ready')
  @ApiGatewayReadiness()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const result = await runHealthCheck(this.health, [
      () => this.inputLog.check(),
      () => this.lifecycle.readiness(),
    ]);
    void reply.status(result.status === 'ok' ? 200 : 503);
    return result;
  }
}
