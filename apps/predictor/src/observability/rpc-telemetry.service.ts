import { Inject, Injectable } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { MAX_REQUEST_ID_CHARS, PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type {
  PredictManyItemDto,
  PredictManyOutcome,
  PredictorError,
  RpcMeta,
} from '@ml-system/contracts';
import {
  ROOT_LOGGER,
  Tracing,
  rpcLogLevel,
  rpcLogLine,
  runWithSyncLogContext,
} from '@ml-system/server-core';
import type { LogContext } from '@ml-system/server-core';
import { PredictorMetrics } from './predictor.metrics';

/** One message, or one item of a predict-many frame, being served. */
interface Served {
  readonly pattern: string;
  readonly span: Span;
  readonly context: LogContext;
}

/**
 * Reports a bug met while answering a predict-many frame, under the ids of
 * item `index` (of the frame when omitted), and returns what the caller of
 * that item receives.
 */
export type ReportBug = (error: unknown, index?: number) => PredictorError;

/**
 * How the message handlers' failures are answered. Decided by the handlers' own feature
 * (predict/rpc-errors.ts); telemetry applies it, so that each failure is logged, counted and
 * traced under the outcome its caller receives.
 */
export interface RpcFailures {
  /** The refusal a handler threw on purpose, answered as it is; undefined for a bug. */
  refusalOf(error: unknown): PredictorError | undefined;
  /** What the caller of a message that met a bug receives. */
  readonly bugAnswer: PredictorError;
  /** Logs a bug once; called in the message's log context. */
  report(error: unknown): void;
}

/** DI token of the `RpcFailures` the telemetry applies. */
export const RPC_FAILURES = Symbol('RPC_FAILURES');

const NO_REQUEST_ID = 'unknown';

/** The meta a message claims, before validation: nothing is trusted, so it checks. */
function claimedMeta(message: unknown): Record<string, unknown> | undefined {
  const meta =
    typeof message === 'object' && message !== null
      ? (message as { meta?: unknown }).meta
      : undefined;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}

/** Bounded as the DTO bounds it: the id of a refused message is logged too. */
function loggedRequestId(id: unknown): string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_REQUEST_ID_CHARS
    ? id
    : NO_REQUEST_ID;
}

function rpcSpanAttributes(pattern: string): Attributes {
  return { 'rpc.system': 'nestjs_tcp', 'rpc.method': pattern };
}

/** The span attributes of each of the contract's patterns, built once. */
const SPAN_ATTRIBUTES: ReadonlyMap<string, Attributes> = new Map(
  Object.values(PREDICTOR_PATTERNS).map((pattern) => [pattern, rpcSpanAttributes(pattern)]),
);

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/**
 * The server side of the TCP hop, called by the message handlers themselves
 * rather than through a Nest interceptor: an interceptor costs every message
 * rxjs observables and an async-scope wrapper, more than the model takes.
 *
 * Per message (per item, for predict-many): a SERVER span, child of the
 * gateway's attempt span (`meta.traceparent`); the handler run in a log
 * context, so every line logged meanwhile carries the request id and the
 * trace id; then `rpc_server_duration_seconds` and one line with request_id,
 * trace_id, pattern, outcome and latency. Messages refused by validation are
 * counted and logged too, under the id they claimed.
 *
 * The log context is synchronous (`runWithSyncLogContext`): the handlers run
 * the model synchronously, and AsyncLocalStorage would turn on promise hooks
 * for every promise of the process.
 */
@Injectable()
export class RpcTelemetry {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly tracing: Tracing,
    private readonly metrics: PredictorMetrics,
    @Inject(RPC_FAILURES) private readonly failures: RpcFailures,
  ) {}

  /**
   * Serves `message` of `pattern` with `handle`, which validates it and
   * answers. A handle that returns a promise (validation by class-validator)
   * is observed until it settles; what it runs after its first `await` is out
   * of the log context. Errors reach the caller as `RpcFailures` says: a
   * refusal as it is, a bug as the bug answer, reported here with the message's ids.
   */
  observe<T>(pattern: string, message: unknown, handle: () => T | Promise<T>): T | Promise<T> {
    const started = performance.now();
    const meta = claimedMeta(message);
    const served = this.begin(pattern, meta?.['request_id'], meta?.['traceparent']);
    let result: T | Promise<T>;
    try {
      result = runWithSyncLogContext(served.context, handle);
    } catch (error) {
      return this.fail(served, started, error);
    }
    if (isPromise(result)) {
      return result.then(
        (value) => {
          this.end(served, 'ok', performance.now() - started);
          return value;
        },
        (error: unknown) => this.fail(served, started, error),
      );
    }
    this.end(served, 'ok', performance.now() - started);
    return result;
  }

  /**
   * A message refused as a whole before anything in it was served (a
   * predict-many frame that fails validation): one line and one observation,
   * under the id it claimed. Throws what the caller receives.
   */
  refuse(pattern: string, message: unknown, started: number, error: unknown): never {
    const meta = claimedMeta(message);
    return this.fail(
      this.begin(pattern, meta?.['request_id'], meta?.['traceparent']),
      started,
      error,
    );
  }

  /**
   * Serves the items of a validated predict-many frame as if each had come
   * alone: a span of its own (child of its traceparent), one line with its
   * request id and outcome, one observation. `answer` gives the outcomes in
   * the items' order; if it throws (SHUTTING_DOWN, a bug), every item ends
   * with that code and the whole message fails with it.
   *
   * No log context while `answer` runs: the model runs once for every item,
   * and off this thread for an ONNX model.
   * `answer` reports the bugs it meets through `report`, in the right one.
   */
  async observeMany(
    pattern: string,
    frame: RpcMeta,
    items: readonly PredictManyItemDto[],
    started: number,
    answer: (report: ReportBug) => Promise<PredictManyOutcome[]>,
  ): Promise<PredictManyOutcome[]> {
    const served = items.map((item) =>
      this.begin(pattern, item.meta.request_id, item.meta.traceparent),
    );
    const report: ReportBug = (error, index) => {
      const context =
        index === undefined ? this.frameContext(pattern, frame) : served[index].context;
      runWithSyncLogContext(context, () => this.failures.report(error));
      return this.failures.bugAnswer;
    };
    let outcomes: PredictManyOutcome[];
    try {
      outcomes = await answer(report);
    } catch (error) {
      const refusal = this.failures.refusalOf(error);
      if (!refusal) report(error);
      const code = refusal ? refusal.code : this.failures.bugAnswer.code;
      const latencyMs = performance.now() - started;
      for (const item of served) this.end(item, code, latencyMs);
      throw refusal ? error : new RpcException(this.failures.bugAnswer);
    }
    const latencyMs = performance.now() - started;
    for (let i = 0; i < served.length; i++) {
      const outcome = outcomes[i];
      this.end(served[i], 'error' in outcome ? outcome.error.code : 'ok', latencyMs);
    }
    return outcomes;
  }

  private begin(pattern: string, requestId: unknown, traceparent: unknown): Served {
    const span = this.tracing.startServerSpan(
      pattern,
      traceparent,
      SPAN_ATTRIBUTES.get(pattern) ?? rpcSpanAttributes(pattern),
    );
    const { traceId, spanId } = span.spanContext();
    return {
      pattern,
      span,
      context: { request_id: loggedRequestId(requestId), trace_id: traceId, span_id: spanId },
    };
  }

  private fail(served: Served, started: number, error: unknown): never {
    const refusal = this.failures.refusalOf(error);
    if (refusal) {
      this.end(served, refusal.code, performance.now() - started);
      throw error;
    }
    runWithSyncLogContext(served.context, () => this.failures.report(error));
    this.end(served, this.failures.bugAnswer.code, performance.now() - started);
    throw new RpcException(this.failures.bugAnswer);
  }

  private end(served: Served, outcome: string, latencyMs: number): void {
    const { pattern, span, context } = served;
    this.metrics.rpcHandled(pattern, outcome, latencyMs / 1000);
    span.setAttribute('rpc.outcome', outcome);
    if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    span.end();
    const level = rpcLogLevel(outcome, pattern === PREDICTOR_PATTERNS.health);
    if (this.logger.isLevelEnabled(level)) {
      this.logger[level](
        rpcLogLine({
          requestId: context.request_id,
          traceId: context.trace_id,
          spanId: context.span_id,
          pattern,
          outcome,
          latencyMs,
        }),
        'message handled',
      );
    }
  }

  /** Ids for a bug that failed a frame as a whole: the frame's own, and a span of its own. */
  private frameContext(pattern: string, frame: RpcMeta): LogContext {
    const { span, context } = this.begin(pattern, frame.request_id, frame.traceparent);
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.failures.bugAnswer.code });
    span.end();
    return context;
  }
}
