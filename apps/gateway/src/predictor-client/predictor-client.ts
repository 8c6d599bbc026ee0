import { Inject, Injectable, Optional } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type {
  OipInferResponse,
  OipModelMetadata,
  OipModelReady,
  PredictionResult,
  PredictorHealthReply,
  PredictorPattern,
  RpcEnvelope,
} from '@ml-system/contracts';
import type { GatewayEnv } from '../config/gateway.config';
import { RpcClientTelemetry } from '../observability/rpc-client.telemetry';
import { CallPolicy } from './call-policy';
import type { CallObserver } from './call-policy';
import { EndpointPool } from './endpoint-pool';
import { hopTransport } from './hop-transport';
import { parseEndpoints, readEndpointsFile, reloadEndpointsFile } from './predictor-endpoints';
import type { EndpointSnapshot } from './endpoint';
import { PREDICTOR_RESOLVER } from './predictor-client.constants';
import { classify } from './failure';
import { describeTransportError } from './predictor.errors';
import type { ResolveHost } from './resolver';
import { RetryBudget } from './retry-budget';
import { rpcClientTlsOptions } from './rpc-tls';

/** What a caller knows about the request it is serving. */
export interface CallContext {
  requestId: string;
  traceparent?: string;
  /** Absolute deadline, epoch ms. */
  deadline: number;
}

/** A model of the predictor's repository, and optionally one of its versions. */
export interface ModelChoice {
  model: string;
  /** Unset: the model's latest ready version. */
  version?: string;
}

/** The state of the hop, for `/health` and metrics. */
export interface PredictorClientSnapshot {
  endpoints: EndpointSnapshot[];
  /** Calls in flight (each on its first attempt or a retry). */
  inFlight: number;
  maxInFlight: number;
  /** Retries the budget would grant right now. */
  retryBudget: number;
}

/** One endpoint's answer to the health pattern, beside its state. */
export interface EndpointCheck {
  endpoint: EndpointSnapshot;
  /** Round-trip time of the check. */
  latencyMs: number;
  reply?: PredictorHealthReply;
  /** Why there is no reply. */
  error?: string;
}

/**
 * How long start-up waits for the first resolution of host names: a slow DNS
 * must not keep the gateway from serving `forward_to_model: false` and
 * health; the pool fills in as soon as the lookup returns.
 */
const FIRST_RESOLUTION_WAIT_MS = 2_000;

/**
 * The gateway's only door to the predictor: the only code that holds
 * connections to it (one `JsonRpcConnection` per endpoint, inside `PredictorEndpoint`).
 *
 * Every call carries `{payload, meta}` with the request's absolute deadline and
 * goes through the call policy: MAX_IN_FLIGHT bulkhead → retries (backoff with
 * jitter, retry budget, never past the deadline) → an endpoint picked from the
 * pool (power of two choices, breakers open ones skipped) → that endpoint's
 * breaker and per-attempt timeout. Failures are marked errors
 * (predictor.errors.ts); `classify` (failure.ts) decides what each one means, HTTP included.
 */
@Injectable()
export class PredictorClient implements OnModuleInit, OnApplicationShutdown {
  private readonly pool: EndpointPool;
  private readonly budget: RetryBudget;
  private readonly policy: CallPolicy;
  private readonly maxInFlight: number;

  constructor(
    config: ConfigService<GatewayEnv, true>,
    private readonly telemetry: RpcClientTelemetry,
    @Optional() @Inject(PREDICTOR_RESOLVER) resolve?: ResolveHost,
  ) {
    this.maxInFlight = config.get('MAX_IN_FLIGHT', { infer: true });
    const endpointsFile = config.get('PREDICTOR_ENDPOINTS_FILE', { infer: true });
    this.pool = new EndpointPool({
      // A file that cannot be read at start stops the boot (its error names it).
      targets: endpointsFile
        ? readEndpointsFile(endpointsFile)
        : parseEndpoints(config.get('PREDICTOR_ENDPOINTS', { infer: true })),
      ...(endpointsFile ? { reloadTargets: () => reloadEndpointsFile(endpointsFile) } : {}),
      resolveIntervalMs: config.get('PREDICTOR_RESOLVE_INTERVAL_MS', { infer: true }),
      breakerFailures: config.get('BREAKER_FAILURES', { infer: true }),
      breakerOpenMs: config.get('BREAKER_OPEN_MS', { infer: true }),
      transportFor: hopTransport({
        tls: rpcClientTlsOptions(config),
        coalesceMax: config.get('PREDICTOR_COALESCE_MAX', { infer: true }),
      }),
      ...(resolve ? { resolve } : {}),
    });
    this.budget = new RetryBudget({
      ratio: config.get('RETRY_BUDGET_RATIO', { infer: true }),
      minPerSecond: config.get('RETRY_BUDGET_MIN_PER_S', { infer: true }),
    });
    this.policy = new CallPolicy({
      pool: this.pool,
      observer: telemetryObserver(telemetry),
      budget: this.budget,
      attemptTimeoutMs: config.get('PREDICTOR_TIMEOUT_MS', { infer: true }),
      retries: config.get('PREDICTOR_RETRIES', { infer: true }),
      maxInFlight: this.maxInFlight,
      backoffMs: config.get('PREDICTOR_RETRY_BACKOFF_MS', { infer: true }),
      backoffMaxMs: config.get('PREDICTOR_RETRY_BACKOFF_MAX_MS', { infer: true }),
    });
  }

  async onModuleInit(): Promise<void> {
    this.telemetry.watchEndpoints(() => this.pool.snapshot());
    await Promise.race([
      this.pool.start(),
      sleep(FIRST_RESOLUTION_WAIT_MS, undefined, { ref: false }),
    ]);
  }

  /**
   * Classifies one text.
   * @throws PredictorOverloadedError, CircuitOpenError, PredictorUnavailableError,
   * PredictorTimeoutError, or PredictorRejectedError (the predictor's own code).
   */
  predict(input: string, context: CallContext, choice?: ModelChoice): Promise<PredictionResult> {
    const payload = choice ? { input, ...modelFields(choice) } : { input };
    return this.policy.execute<PredictionResult>(
      PREDICTOR_PATTERNS.predict,
      envelope(payload, context),
      context.deadline,
    );
  }

  /**
   * Runs an Open Inference Protocol infer request body on a model (version):
   * the OIP response body. Throws as `predict`; an unknown model is the
   * predictor's MODEL_NOT_FOUND, bad tensors its INVALID_INPUT.
   */
  infer(
    choice: ModelChoice,
    request: Record<string, unknown>,
    context: CallContext,
  ): Promise<OipInferResponse> {
    return this.policy.execute<OipInferResponse>(
      PREDICTOR_PATTERNS.infer,
      envelope({ ...modelFields(choice), request }, context),
      context.deadline,
    );
  }

  /** A model's OIP metadata. Throws as `infer`. */
  modelMetadata(choice: ModelChoice, context: CallContext): Promise<OipModelMetadata> {
    return this.policy.execute<OipModelMetadata>(
      PREDICTOR_PATTERNS.modelMetadata,
      envelope(modelFields(choice), context),
      context.deadline,
    );
  }

  /** A known model's OIP readiness (`ready: false` is an answer). Throws as `infer`. */
  modelReady(choice: ModelChoice, context: CallContext): Promise<OipModelReady> {
    return this.policy.execute<OipModelReady>(
      PREDICTOR_PATTERNS.modelReady,
      envelope(modelFields(choice), context),
      context.deadline,
    );
  }

  /**
   * Sends the health pattern to every endpoint at once, past the breakers and
   * the in-flight cap (a check must not take the single half-open probe, and
   * must see an endpoint recover while its breaker is still open).
   * Never throws: a failure is reported in the endpoint's `error`.
   */
  async checkEndpoints(timeoutMs: number): Promise<EndpointCheck[]> {
    const started = Date.now();
    const message = envelope(
      {},
      { requestId: `health-${randomUUID()}`, deadline: started + timeoutMs },
    );
    return Promise.all(
      this.pool.list().map(async (endpoint): Promise<EndpointCheck> => {
        try {
          const reply = await endpoint.ping<PredictorHealthReply>(
            PREDICTOR_PATTERNS.health,
            message,
            timeoutMs,
          );
          return { endpoint: endpoint.snapshot(), latencyMs: Date.now() - started, reply };
        } catch (error) {
          const reason = error instanceof Error ? error.message : describeTransportError(error);
          return { endpoint: endpoint.snapshot(), latencyMs: Date.now() - started, error: reason };
        }
      }),
    );
  }

  /** The endpoints, their breakers and the call counters, as of now; for health and metrics. */
  snapshot(): PredictorClientSnapshot {
    return {
      endpoints: this.pool.snapshot(),
      inFlight: this.policy.inFlight,
      maxInFlight: this.maxInFlight,
      retryBudget: this.budget.balance,
    };
  }

  onApplicationShutdown(): void {
    this.pool.close();
  }
}

/** The wire's `{model, version?}`: no `version` key when none is named. */
function modelFields(choice: ModelChoice): { model: string; version?: string } {
  return choice.version === undefined
    ? { model: choice.model }
    : { model: choice.model, version: choice.version };
}

function envelope<T extends object>(payload: T, context: CallContext): RpcEnvelope<T> {
  return {
    payload,
    meta: {
      request_id: context.requestId,
      deadline: context.deadline,
      ...(context.traceparent ? { traceparent: context.traceparent } : {}),
    },
  };
}

/** Spans, latency and counters for each attempt, retry and refusal of the call policy. */
function telemetryObserver(telemetry: RpcClientTelemetry): CallObserver {
  return {
    attempt: (pattern, endpoint, message) => {
      const envelopeIn = message as RpcEnvelope<object>;
      const attempt = telemetry.start(
        pattern as PredictorPattern,
        endpoint,
        envelopeIn.meta.traceparent,
      );
      return {
        // The attempt's span is the parent of the predictor's: its traceparent goes in the meta.
        message: { ...envelopeIn, meta: { ...envelopeIn.meta, traceparent: attempt.traceparent } },
        end: (error?: unknown) => attempt.end(error === undefined ? 'ok' : classify(error).outcome),
      };
    },
    retried: () => telemetry.retried(),
    rejected: (reason) => telemetry.rejected(reason),
  };
}
