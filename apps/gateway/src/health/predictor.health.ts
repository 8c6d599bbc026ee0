import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { randomUUID } from 'node:crypto';
import type { GatewayEnv } from '../config/gateway.config';
import { PredictorClient } from '../predictor-client/predictor-client';
import { describeTransportError } from '../predictor-client/predictor.errors';

/**
 * Up only when the predictor answers the `health` message pattern within a
 * short timeout: a frozen predictor still accepts TCP connections, so a socket
 * ping would call it up.
 */
@Injectable()
export class PredictorHealthIndicator {
  private readonly timeoutMs: number;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly predictor: PredictorClient,
    config: ConfigService<GatewayEnv, true>,
  ) {
    this.timeoutMs = config.get('PREDICTOR_HEALTH_TIMEOUT_MS', { infer: true });
  }

  async check(key = 'predictor'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const started = Date.now();
    try {
      const reply = await this.predictor.health({
        requestId: `health-${randomUUID()}`,
        deadline: started + this.timeoutMs,
      });
      if (!reply.ready) return indicator.down({ reason: 'the predictor is not ready', model: reply.model });
      return indicator.up({ latency_ms: Date.now() - started, model: reply.model });
    } catch (error) {
      return indicator.down({
        reason: error instanceof Error ? error.message : describeTransportError(error),
        endpoints: this.predictor.describeEndpoints(),
      });
    }
  }
}
