import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PROBLEM_CONTENT_TYPE } from '@ml-system/contracts';
import { requestLogLevel, requestLogLine } from '../logging/log-lines';
import { httpRequestDuration } from '../metrics/metrics-registry';
import { TRACEPARENT_HEADER } from '../tracing/traceparent';
import { traceparentOf } from '../tracing/tracing';
import type { Tracing } from '../tracing/tracing';

/** What the hooks keep about one request between its arrival and its response. */
export interface RequestTelemetry {
  readonly span: Span;
  /** Route pattern, or `unmatched` for a 404: bounded, so fit for a metric label. */
  readonly route: string;
  outcome: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the observability hooks on every request; null only before `onRequest`. */
    telemetry: RequestTelemetry | null;
  }
}

/** Names the outcome of a successful response (`logged` / `predicted`); `ok` when it returns undefined. */
export type SuccessOutcome = (route: string, payload: unknown) => string | undefined;

export interface HttpObservabilityOptions {
  logger: Logger;
  tracing: Tracing;
  registry: Registry;
  /** Routes whose successful requests log at `debug`: probes and scrapes. */
  quietRoutes?: readonly string[];
  successOutcome?: SuccessOutcome;
}

export const UNMATCHED_ROUTE = 'unmatched';

/** Our problem bodies are serialised by us, `code` is a closed list: a regex is enough and cheap. */
const PROBLEM_CODE = /"code":"([A-Z_]+)"/;

function outcomeOf(
  status: number,
  contentType: unknown,
  payload: unknown,
  route: string,
  successOutcome: SuccessOutcome | undefined,
): string {
  if (status >= 400) {
    if (
      typeof payload === 'string' &&
      typeof contentType === 'string' &&
      contentType.startsWith(PROBLEM_CONTENT_TYPE)
    ) {
      return PROBLEM_CODE.exec(payload)?.[1] ?? 'error';
    }
    return 'error';
  }
  return successOutcome?.(route, payload) ?? 'ok';
}

/**
 * One server span, one histogram observation and one log line per HTTP
 * request, from Fastify's own hooks: no Nest interceptor (and no rxjs
 * pipeline) on the request path, and 404s and body-parse failures, which
 * never reach a controller, are counted too.
 *
 * - onRequest: opens the server span, child of the client's `traceparent`.
 * - onSend: reads the outcome (a problem's `code`, or the app's success name).
 * - onResponse: ends the span, observes the latency, writes the line.
 */
export function installHttpObservability(
  fastify: FastifyInstance,
  options: HttpObservabilityOptions,
): void {
  const { logger, tracing, successOutcome } = options;
  const quiet = new Set(options.quietRoutes ?? []);
  const duration = httpRequestDuration(options.registry);

  fastify.decorateRequest('telemetry', null);

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const span = tracing.startServerSpan(
      `${request.method} ${route}`,
      request.headers[TRACEPARENT_HEADER],
      {
        'http.request.method': request.method,
        'http.route': route,
      },
    );
    request.telemetry = { span, route, outcome: undefined };
    done();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const telemetry = request.telemetry;
    if (telemetry && telemetry.outcome === undefined) {
      telemetry.outcome = outcomeOf(
        reply.statusCode,
        reply.getHeader('content-type'),
        payload,
        telemetry.route,
        successOutcome,
      );
    }
    done(null, payload);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const telemetry = request.telemetry;
    if (!telemetry) {
      done();
      return;
    }
    const status = reply.statusCode;
    const latencyMs = reply.elapsedTime;
    duration.observe(
      { method: request.method, route: telemetry.route, status_code: status },
      latencyMs / 1000,
    );
    const { span } = telemetry;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    const level = requestLogLevel(status, quiet.has(telemetry.route));
    if (logger.isLevelEnabled(level)) {
      const { traceId, spanId } = span.spanContext();
      logger[level](
        requestLogLine({
          requestId: request.id,
          traceId,
          spanId,
          method: request.method,
          route: telemetry.route,
          status,
          latencyMs,
          outcome: telemetry.outcome ?? (status >= 400 ? 'error' : 'ok'),
        }),
        'request completed',
      );
    }
    done();
  });
}

/**
 * The `traceparent` that makes a downstream call a child of this request's
 * server span; undefined when the hooks are not installed (some specs).
 */
export function requestTraceparent(request: FastifyRequest): string | undefined {
  return request.telemetry ? traceparentOf(request.telemetry.span) : undefined;
}
