import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { GatewayEnv } from '../config/gateway.config';
import { PredictorClient } from '../predictor-client/predictor-client';
import type { EndpointCheck } from '../predictor-client/predictor-client';

/** One endpoint as `/health` shows it. */
export interface EndpointHealth {
  address: string;
  target: string;
  /** Its answer to the health pattern now: up, not_ready, or down. */
  status: 'up' | 'not_ready' | 'down';
  breaker: 'closed' | 'open' | 'half-open';
  in_flight: number;
  consecutive_failures: number;
  /** The last failure of real traffic on this endpoint, if any. */
  last_error: string | null;
  last_error_at: string | null;
  /** Open breaker: when it lets a probe through. */
  probe_at: string | null;
  draining: boolean;
  latency_ms: number;
  /** Why the health check failed, when it did. */
  error?: string;
}

function describe(check: EndpointCheck): EndpointHealth {
  const { endpoint } = check;
  const iso = (ms: number | null): string | null =>
    ms === null ? null : new Date(ms).toISOString();
  return {
    address: endpoint.address,
    target: endpoint.target,
    status: check.reply ? (check.reply.ready ? 'up' : 'not_ready') : 'down',
    breaker: endpoint.breaker,
    in_flight: endpoint.inFlight,
    consecutive_failures: endpoint.consecutiveFailures,
    last_error: endpoint.lastError,
    last_error_at: iso(endpoint.lastErrorAt),
    probe_at: iso(endpoint.probeAt),
    draining: endpoint.draining,
    latency_ms: check.latencyMs,
    ...(check.error ? { error: check.error } : {}),
  };
}

/**
 * Up when at least one endpoint answers the `health` message pattern, ready,
 * within a short timeout: a frozen predictor still accepts TCP connections, so
 * a socket ping would call it up. The details list every endpoint with its
 * breaker state, calls in flight and last error.
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
    const checks = await this.predictor.checkEndpoints(this.timeoutMs);
    const endpoints = checks.map(describe);
    const ready = checks.find((check) => check.reply?.ready);
    if (ready?.reply) {
      return indicator.up({ latency_ms: ready.latencyMs, model: ready.reply.model, endpoints });
    }
    return indicator.down({ reason: reasonOf(checks), endpoints });
  }
}

function reasonOf(checks: EndpointCheck[]): string {
  if (checks.length === 0) return 'Predictor is unavailable: no predictor address is known';
  if (checks.some((check) => check.reply)) return 'the predictor is not ready';
  return checks[0]?.error ?? 'Predictor is unavailable';
}
