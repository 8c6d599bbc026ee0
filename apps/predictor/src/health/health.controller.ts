import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ApiLiveness, LifecycleService, runHealthCheck } from '@ml-system/server-core';
import { ApiPredictorHealth, ApiPredictorReadiness } from './health.docs';
import type { PredictorHealthBody } from './health.types';
import { ModelHealthIndicator } from './model.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly modelIndicator: ModelHealthIndicator,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Full status: 200 healthy, 503 unhealthy (the model does not answer). */
  @Get()
  @ApiPredictorHealth()
  async status(@Res({ passthrough: true }) reply: FastifyReply): Promise<PredictorHealthBody> {
    const result = await runHealthCheck(this.health, [() => this.modelIndicator.check()]);
    const healthy = result.status === 'ok';
    void reply.status(healthy ? 200 : 503);
    return { service: 'predictor', ...result, status: healthy ? 'healthy' : 'unhealthy' };
  }

  /** The process answers: never depends on anything else. */
  @Get('live')
  @ApiLiveness()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Can take traffic: a model answers and the process is not draining. */
  @Get('ready')
  @ApiPredictorReadiness()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const result = await runHealthCheck(this.health, [
      () => this.modelIndicator.check(),
      () => this.lifecycle.readiness(),
    ]);
    void reply.status(result.status === 'ok' ? 200 : 503);
    return result;
  }
}
