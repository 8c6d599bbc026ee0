import { Injectable } from '@nestjs/common';
import { SpanStatusCode } from '@opentelemetry/api';
import type { PredictorPattern } from '@ml-system/contracts';
import { Tracing, traceparentOf } from '@ml-system/server-core';
import { GatewayMetrics } from './gateway.metrics';
import type { RpcOutcome, RpcRejection } from './gateway.metrics';

/** One attempt of a call to one predictor endpoint, as telemetry sees it. */
export interface RpcAttempt {
  /** Send as `meta.traceparent`: the predictor's span becomes a child of this attempt's span. */
  readonly traceparent: string;
  /** Ends the span, records the latency and frees the in-flight slot. Later calls are ignored. */
  end(outcome: RpcOutcome): void;
}

/**
 * The client side of the TCP hop: a CLIENT span per attempt (child of the
 * HTTP request's span), `predictor_rpc_duration_seconds` and the in-flight
 * gauge. The predictor client calls `start()` right before `send()` and
 * `end()` once the attempt settles.
 */
@Injectable()
export class RpcClientTelemetry {
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly tracing: Tracing,
    private readonly metrics: GatewayMetrics,
  ) {}

  start(
    pattern: PredictorPattern,
    endpoint: string,
    parentTraceparent: string | undefined,
  ): RpcAttempt {
    const started = performance.now();
    // Attributes only for a span that is exported: otherwise nothing reads them.
    const span = this.tracing.startClientSpan(
      pattern,
      parentTraceparent,
      this.tracing.exporting
        ? { 'rpc.system': 'nestjs_tcp', 'rpc.method': pattern, 'server.address': endpoint }
        : undefined,
    );
    this.adjustInFlight(endpoint, 1);
    let ended = false;
    return {
      traceparent: traceparentOf(span),
      end: (outcome) => {
        if (ended) return;
        ended = true;
        this.adjustInFlight(endpoint, -1);
        this.metrics.rpcCompleted(endpoint, outcome, (performance.now() - started) / 1000, pattern);
        span.setAttribute('rpc.outcome', outcome);
        if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        span.end();
      },
    };
  }

  /** A failed attempt is being retried. */
  retried(): void {
    this.metrics.retry();
  }

  /** A call was refused before any attempt. */
  rejected(reason: RpcRejection): void {
    this.metrics.rpcRejectedBy(reason);
  }

  /**
   * Breaker states are read when Prometheus scrapes, from the pool's own
   * snapshot, so an endpoint that left the pool leaves the metrics too.
   */
  watchEndpoints(
    snapshot: () => ReadonlyArray<{ address: string; breaker: 'closed' | 'open' | 'half-open' }>,
  ): void {
    this.metrics.watchBreakers(() =>
      snapshot().map(({ address, breaker }) => ({
        endpoint: address,
        state: breaker === 'half-open' ? 'half_open' : breaker,
      })),
    );
  }

  private adjustInFlight(endpoint: string, delta: number): void {
    const count = (this.inFlight.get(endpoint) ?? 0) + delta;
    this.inFlight.set(endpoint, count);
    this.metrics.setInFlight(endpoint, count);
  }
}
