import type { IncomingMessage } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { onRequestHookHandler } from 'fastify';
import { ProblemDetailsFilter } from '../problem/problem-details.filter';
import { httpValidationPipe } from '../validation/http-validation.pipe';
import { problemClientErrorHandler } from './client-error';
import { installJsonBodyParser } from './json-body-parser';
import { installLingeringClose } from './lingering-close';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { API_SECURITY_HEADERS, helmetHeaders } from './security-headers';
import { OPENAPI_UI_PATH } from '../observability/openapi/openapi-document';

/** How long a client may take, in milliseconds. */
export interface HttpTimeouts {
  /**
   * The whole request (headers and body) must have arrived within this. It is
   * also the idle bound of a socket: one with no traffic either way for this
   * long is closed, so it must exceed the slowest handler.
   */
  requestMs: number;
  /** The headers must have arrived within this (slowloris). At most `requestMs`. */
  headersMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

/** The documented defaults (HTTP_REQUEST_TIMEOUT_MS, HTTP_HEADERS_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS). */
export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = {
  requestMs: 15_000,
  headersMs: 10_000,
  keepAliveMs: 5_000,
};

export interface HttpAdapterOptions {
  /** Largest accepted body, bytes. */
  bodyLimit: number;
  /** Slow-client bounds; missing ones take the defaults. */
  timeouts?: Partial<HttpTimeouts>;
}

/**
 * How often Node looks for connections past `headersTimeout`/`requestTimeout`.
 * Its default is 30 s, which would let a slowloris connection live up to 30 s
 * past the bound; a quarter of the headers bound, between 100 ms and 1 s, keeps
 * the overshoot small for a sweep over the open connections that costs little.
 */
export function connectionsCheckingIntervalMs(headersMs: number): number {
  return Math.min(1_000, Math.max(100, Math.floor(headersMs / 4)));
}

/**
 * The longest a client that trickles its headers (or body) can hold a
 * connection: the timeout plus one checking interval.
 */
export function slowClientBoundMs(timeouts: Partial<HttpTimeouts> = {}): {
  headersMs: number;
  requestMs: number;
} {
  const { headersMs, requestMs } = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  const interval = connectionsCheckingIntervalMs(headersMs);
  return { headersMs: headersMs + interval, requestMs: requestMs + interval };
}

/**
 * The Fastify adapter both services use. Timeouts bound what a slow or idle
 * client can hold (see `HttpTimeouts`); errors of the HTTP parser are answered
 * as problem+json; ids come from `x-request-id` when it is sane.
 *
 * @throws RangeError (from Node) when `headersMs` exceeds `requestMs`.
 */
export function createHttpAdapter(options: HttpAdapterOptions): FastifyAdapter {
  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts };
  return new FastifyAdapter({
    bodyLimit: options.bodyLimit,
    genReqId: (request: IncomingMessage) => requestIdFor(request),
    // The services log requests themselves (one line per request); Fastify's
    // own logger stays off so that nothing logs twice.
    logger: false,
    return503OnClosing: true,
    // Let in-flight requests finish on close, but do not wait for idle keep-alive sockets.
    forceCloseConnections: 'idle',
    // Idle socket (either direction): also cuts a client that stops reading its answer.
    connectionTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    // Fastify does not expose these; they reach http.createServer as they are.
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(timeouts.headersMs),
    },
    clientErrorHandler: problemClientErrorHandler,
  });
}

/**
 * What both apps' `main.ts` and their HTTP specs share, so that a spec
 * exercises the same pipeline as production: the JSON parser, a lingering
 * close for answers sent before the body arrived, the request id, the
 * security headers, problem+json errors and strict validation.
 *
 * Security headers: every answer gets `API_SECURITY_HEADERS`; the routes of
 * Swagger UI's pages and assets (under `/docs/`) get helmet's set instead,
 * whose CSP lets the UI load its own scripts, styles and images. Must run
 * before those routes register (bootstrap calls it right after creating the app).
 */
export function configureHttpApp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  installJsonBodyParser(fastify);
  installLingeringClose(fastify);
  // Names and values side by side: reply.headers(object) would list the object's keys on every request.
  const apiNames = Object.keys(API_SECURITY_HEADERS);
  const apiValues = Object.values(API_SECURITY_HEADERS);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    for (let i = 0; i < apiNames.length; i++) void reply.header(apiNames[i], apiValues[i]);
    done();
  });
  // Filled once, before the server serves (onReady runs before listen and inject).
  const pageNames: string[] = [];
  const pageValues: string[] = [];
  fastify.addHook('onReady', async () => {
    for (const [name, value] of Object.entries(await helmetHeaders())) {
      pageNames.push(name);
      pageValues.push(value);
    }
  });
  const pageHeaders: onRequestHookHandler = (_request, reply, done) => {
    // Not an API answer: whether Swagger UI's pages and assets are cached is up to the routes serving them.
    reply.removeHeader('cache-control');
    for (let i = 0; i < pageNames.length; i++) void reply.header(pageNames[i], pageValues[i]);
    done();
  };
  fastify.addHook('onRoute', (route) => {
    if (!isDocsPageRoute(route.url)) return;
    const own = route.onRequest;
    route.onRequest = own === undefined ? [pageHeaders] : [...[own].flat(), pageHeaders];
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(httpValidationPipe());
}

/** `/docs` and what lies under it: Swagger UI's page, its init script and its static assets (not `/docs-json`, an API answer). */
export function isDocsPageRoute(url: string): boolean {
  return url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`);
}

const DOCS_PREFIX = `/${OPENAPI_UI_PATH}`;
