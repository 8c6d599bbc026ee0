import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PROBLEM_CONTENT_TYPE } from '@ml-system/contracts';
import { requestLogLevel } from '../logging/log-lines';
import { writeRequestLine } from '../logging/request-line';
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

export interface HttpObservabilityOptions {
  logger: Logger;
  tracing: Tracing;
  registry: Registry;
  /** Routes whose successful requests log at `debug`: probes and scrapes. */
  quietRoutes?: readonly string[];
}

export const UNMATCHED_ROUTE = 'unmatched';

/** Our problem bodies are serialised by us, `code` is a closed list: a regex is enough and cheap. */
const PROBLEM_CODE = /"code":"([A-Z_]+)"/;

/**
 * Names how a successful request ended on its log line (`logged`, `predicted`, …), as decided by
 * the code that handled it; a success nobody named is `ok`. An error's outcome is its problem code.
 */
export function setRequestOutcome(request: FastifyRequest, outcome: string): void {
  if (request.telemetry) request.telemetry.outcome = outcome;
}

function outcomeOf(status: number, contentType: unknown, payload: unknown): string {
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
  return 'ok';
}

/**
 * One server span, one histogram observation and one log line per HTTP
 * request, from Fastify's own hooks: no Nest interceptor (and no rxjs
 * pipeline) on the request path, and 404s and body-parse failures, which
 * never reach a controller, are counted too.
 *
 * - onRequest: opens the server span, child of the client's `traceparent`.
 * - onSend: reads an error's outcome from its problem `code` (a success's is set by its handler).
 * - onResponse: ends the span, observes the latency, writes the line.
 */
export function installHttpObservability(
  fastify: FastifyInstance,
  options: HttpObservabilityOptions,
): void {
  const { logger, tracing } = options;
  const quiet = new Set(options.quietRoutes ?? []);
  const duration = httpRequestDuration(options.registry);

  fastify.decorateRequest('telemetry', null);

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const traceparent = request.headers[TRACEPARENT_HEADER];
    // A span that is not exported has no use for a name or attributes: none is built per request.
    const span = tracing.exporting
      ? tracing.startServerSpan(`${request.method} ${route}`, traceparent, {
          'http.request.method': request.method,
          'http.route': route,
        })
      : tracing.startServerSpan(route, traceparent);
    request.telemetry = { span, route, outcome: undefined };
    done();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const telemetry = request.telemetry;
    // An error answers with its own outcome, whatever the handler named before it failed.
    if (telemetry && (telemetry.outcome === undefined || reply.statusCode >= 400)) {
      telemetry.outcome = outcomeOf(reply.statusCode, reply.getHeader('content-type'), payload);
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
      writeRequestLine(logger, level, {
        requestId: request.id,
        traceId,
        spanId,
        method: request.method,
        route: telemetry.route,
        status,
        latencyMs,
        outcome: telemetry.outcome ?? (status >= 400 ? 'error' : 'ok'),
      });
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
