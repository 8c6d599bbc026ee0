import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictorErrorCode, PredictorPattern } from '@ml-system/contracts';
import { LATENCY_BUCKETS, METRICS_REGISTRY } from '@ml-system/server-core';

/**
 * How one attempt against one predictor endpoint ended: `ok`, no answer in
 * time (`TIMEOUT`), no answer at all (`UNAVAILABLE`), or the predictor's own
 * error code. A closed list, so the label stays bounded.
 */
export type RpcOutcome = 'ok' | 'TIMEOUT' | 'UNAVAILABLE' | PredictorErrorCode;

/** A call refused by the gateway itself, before any attempt. */
export type RpcRejection = 'CIRCUIT_OPEN' | 'OVERLOADED';

export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** fsync is usually sub-millisecond on SSDs and tens of ms on network disks. */
const FSYNC_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/**
 * The gateway's own metrics, fed by the features that know the facts: the
 * predictor client (RPC outcomes, retries, breakers, in-flight) and the input
 * log (fsync latency, records). Each method is a cheap in-memory update, safe
 * on the request path. See docs/observability.md for who calls what.
 */
@Injectable()
export class GatewayMetrics {
  private readonly rpcDuration: Histogram<'endpoint' | 'pattern' | 'outcome'>;
  private readonly rpcRetries: Counter;
  private readonly rpcRejected: Counter<'reason'>;
  private readonly breakerState: Gauge<'endpoint' | 'state'>;
  private readonly inFlight: Gauge<'endpoint'>;
  /**
   * Attempts awaiting a reply, by endpoint, copied into the gauge when it is
   * scraped: set twice per attempt, a prom-client gauge would build a label
   * object and hash it each time.
   */
  private readonly inFlightByEndpoint = new Map<string, number>();
  private readonly fsyncDuration: Histogram;
  private readonly records: Counter;
  private breakerSupplier:
    (() => ReadonlyArray<{ endpoint: string; state: BreakerState }>) | undefined;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.rpcDuration = new Histogram({
      name: 'predictor_rpc_duration_seconds',
      help: 'Attempts against a predictor endpoint, by endpoint, message pattern and outcome; latency in seconds',
      labelNames: ['endpoint', 'pattern', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rpcRetries = new Counter({
      name: 'predictor_rpc_retries_total',
      help: 'Attempts retried after a failure that never reached the model',
      registers,
    });
    this.rpcRejected = new Counter({
      name: 'predictor_rpc_rejected_total',
      help: 'Calls refused by the gateway before any attempt: circuit open, or too many in flight',
      labelNames: ['reason'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'predictor_breaker_state',
      help: 'Circuit breaker state per predictor endpoint: 1 for the current state, 0 for the others',
      labelNames: ['endpoint', 'state'],
      registers,
      collect: () => this.collectBreakers(),
    });
    this.inFlight = new Gauge({
      name: 'predictor_rpc_in_flight',
      help: 'Attempts awaiting a reply, per predictor endpoint',
      labelNames: ['endpoint'],
      registers,
      collect: () => {
        for (const [endpoint, count] of this.inFlightByEndpoint)
          this.inFlight.set({ endpoint }, count);
      },
    });
    this.fsyncDuration = new Histogram({
      name: 'input_log_fsync_duration_seconds',
      help: 'Time to make input-log appends durable (one synced write, which may cover a group of records)',
      buckets: FSYNC_BUCKETS,
      registers,
    });
    this.records = new Counter({
      name: 'input_log_records_total',
      help: 'Input records written durably to the input log',
      registers,
    });
  }

  /** One attempt ended. `endpoint` is `host:port`; `seconds` from send to reply or failure. */
  rpcCompleted(
    endpoint: string,
    outcome: RpcOutcome,
    seconds: number,
    pattern: PredictorPattern = PREDICTOR_PATTERNS.predict,
  ): void {
    this.rpcDuration.observe({ endpoint, pattern, outcome }, seconds);
  }

  /** A failed attempt is being retried. */
  retry(): void {
    this.rpcRetries.inc();
  }

  /** A call was refused without an attempt. */
  rpcRejectedBy(reason: RpcRejection): void {
    this.rpcRejected.inc({ reason });
  }

  /**
   * Reads every endpoint's breaker state at scrape time. The gauge is rebuilt
   * from the supplier each time, so vanished endpoints drop out by themselves.
   */
  watchBreakers(supplier: () => ReadonlyArray<{ endpoint: string; state: BreakerState }>): void {
    this.breakerSupplier = supplier;
  }

  private collectBreakers(): void {
    if (!this.breakerSupplier) return;
    this.breakerState.reset();
    for (const { endpoint, state } of this.breakerSupplier()) this.setBreakerState(endpoint, state);
  }

  /** The breaker of `endpoint` moved to `state`. */
  setBreakerState(endpoint: string, state: BreakerState): void {
    for (const candidate of BREAKER_STATES) {
      this.breakerState.set({ endpoint, state: candidate }, candidate === state ? 1 : 0);
    }
  }

  /** Attempts awaiting a reply from `endpoint`. */
  setInFlight(endpoint: string, count: number): void {
    this.inFlightByEndpoint.set(endpoint, count);
  }

  /** `endpoint` left the pool (DNS no longer lists it): drop its series so they do not linger. */
  forgetEndpoint(endpoint: string): void {
    for (const state of BREAKER_STATES) this.breakerState.remove({ endpoint, state });
    this.inFlightByEndpoint.delete(endpoint);
    this.inFlight.remove({ endpoint });
  }

  /** One fsync of the input log took `seconds`. */
  inputLogFsync(seconds: number): void {
    this.fsyncDuration.observe(seconds);
  }

  /** `count` records became durable. */
  inputLogRecord(count = 1): void {
    this.records.inc(count);
  }
}
