import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ApiLiveness, LifecycleService, runHealthCheck } from '@ml-system/server-core';
import { Public, SkipRateLimit } from '../security/public.decorator';
import { gatewayStatus } from './gateway-status';
import type { GatewayHealthBody } from './gateway-status';
import { ApiGatewayHealth, ApiGatewayReadiness } from './health.docs';
import { InputLogShipperHealthIndicator } from './input-log-shipper.health';
import { InputLogHealthIndicator } from './input-log.health';
import { PredictorHealthIndicator } from './predictor.health';

/** Probes: open (no API key) and never rate limited, so orchestrators always get an answer. */
@Public()
@SkipRateLimit()
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
