import type { IncomingMessage } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProblemDetailsFilter } from '../problem/problem-details.filter';
import { httpValidationPipe } from '../validation/http-validation.pipe';
import { installJsonBodyParser } from './json-body-parser';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

export interface HttpAdapterOptions {
  /** Largest accepted body, bytes. */
  bodyLimit: number;
}

/**
 * The Fastify adapter both services use. Timeouts bound what a slow or idle
 * client can hold; ids come from `x-request-id` when it is sane.
 */
export function createHttpAdapter(options: HttpAdapterOptions): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: options.bodyLimit,
    genReqId: (request: IncomingMessage) => requestIdFor(request),
    // The services log requests themselves (one line per request); Fastify's
    // own logger stays off so that nothing logs twice.
    logger: false,
    return503OnClosing: true,
    // Let in-flight requests finish on close, but do not wait for idle keep-alive sockets.
    forceCloseConnections: 'idle',
    connectionTimeout: 10_000,
    keepAliveTimeout: 5_000,
    requestTimeout: 15_000,
  });
}

/**
 * What both apps' `main.ts` and their HTTP specs share, so that a spec
 * exercises the same pipeline as production.
 */
export function configureHttpApp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  installJsonBodyParser(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(httpValidationPipe());
}
