import { Inject, Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { TcpContext } from '@nestjs/microservices';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { Observable, finalize, tap } from 'rxjs';
import { PREDICTOR_PATTERNS, isPredictorError } from '@ml-system/contracts';
import {
  ROOT_LOGGER,
  Tracing,
  rpcLogLevel,
  rpcLogLine,
  runWithLogContext,
} from '@ml-system/server-core';
import { PredictorMetrics } from './predictor.metrics';

/** What the interceptor trusts of a message before validation: nothing, so it checks. */
interface UntrustedMeta {
  requestId: string;
  traceparent: unknown;
}

const NO_REQUEST_ID = 'unknown';

function metaOf(data: unknown): UntrustedMeta {
  const meta =
    typeof data === 'object' && data !== null ? (data as { meta?: unknown }).meta : undefined;
  if (typeof meta !== 'object' || meta === null)
    return { requestId: NO_REQUEST_ID, traceparent: undefined };
  const { request_id: id, traceparent } = meta as Record<string, unknown>;
  // Bounded as the DTO bounds it: the id is logged before the pipe validates it.
  return {
    requestId: typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : NO_REQUEST_ID,
    traceparent,
  };
}

/** The code the caller will receive: the predictor's own, or `INTERNAL` for a bug (the filter's rule). */
export function rpcErrorCode(error: unknown): string {
  const body = error instanceof RpcException ? error.getError() : undefined;
  return isPredictorError(body) ? body.code : 'INTERNAL';
}

/**
 * Around every TCP message: opens a SERVER span, child of the gateway's
 * attempt span (`meta.traceparent`); runs the handler (pipes included) in a
 * log context, so every line logged meanwhile carries the request id and the
 * trace id; then records `rpc_server_duration_seconds` and writes one line
 * with request_id, trace_id, pattern, outcome and latency.
 *
 * Runs before the validation pipe, so a refused message is counted and
 * logged too, under the id it claimed.
 */
@Injectable()
export class RpcTelemetryInterceptor implements NestInterceptor {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly tracing: Tracing,
    private readonly metrics: PredictorMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const started = performance.now();
    const rpc = context.switchToRpc();
    const pattern = rpc.getContext<TcpContext>().getPattern();
    const { requestId, traceparent } = metaOf(rpc.getData());
    const span = this.tracing.startServerSpan(pattern, traceparent, {
      'rpc.system': 'nestjs_tcp',
      'rpc.method': pattern,
    });
    const { traceId, spanId } = span.spanContext();
    const logContext = { request_id: requestId, trace_id: traceId, span_id: spanId };
    let outcome = 'ok';
    const handled = next.handle().pipe(
      tap({
        error: (error: unknown) => {
          outcome = rpcErrorCode(error);
        },
      }),
      finalize(() => {
        const latencyMs = performance.now() - started;
        this.metrics.rpcHandled(pattern, outcome, latencyMs / 1000);
        span.setAttribute('rpc.outcome', outcome);
        if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        span.end();
        const level = rpcLogLevel(outcome, pattern === PREDICTOR_PATTERNS.health);
        if (this.logger.isLevelEnabled(level)) {
          this.logger[level](
            rpcLogLine({ requestId, traceId, spanId, pattern, outcome, latencyMs }),
            'message handled',
          );
        }
      }),
    );
    // Subscribing inside the log context is what carries it: the handler, its
    // pipes, and the promise reactions that deliver its result or its error
    // (and so the exception filter downstream) all run in it.
    return new Observable<unknown>((subscriber) =>
      runWithLogContext(logContext, () => handled.subscribe(subscriber)),
    );
  }
}
