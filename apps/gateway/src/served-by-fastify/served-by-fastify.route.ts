import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ProblemDetailsFilter } from '@ml-system/server-core';
import type { ServedByFastifyTarget } from './served-by-fastify.decorator';

type ServedMethod = (request: FastifyRequest) => Promise<unknown>;

/**
 * Serves every route marked `@ServedByFastify()` without Nest's router: when
 * Nest registers such a route, an `onRoute` hook swaps Nest's handler (guards,
 * pipes, interceptors and response consumers, several closures and promises
 * per request, none of which these routes use) for one that calls the marked
 * controller method with the request and sends its answer with the status of
 * its `@HttpCode()` (Nest's default otherwise). Everything else stays as it
 * was: the route's URL, config and hooks (request id, security headers, API
 * key, rate limit, observability), Fastify's body parsing and its errors,
 * which still reach Nest's error handler; a failure of the method is answered
 * by the same problem+json filter Nest would call.
 * Must run before `app.init()` (bootstrap's `configureGateway` does it).
 */
export function installFastifyServedRoutes(app: NestFastifyApplication): void {
  const problems = new ProblemDetailsFilter();
  const fail = (error: unknown, request: FastifyRequest, reply: FastifyReply): void =>
    problems.answer(error, request, reply);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route: RouteOptions) => {
      const served = route.config?.servedByFastify;
      if (served === undefined) return;
      route.handler = handlerOf(app, served, successStatusOf(served, route.method), fail);
    });
}

/** The method's `@HttpCode()`, else Nest's default: 201 for a POST, 200 otherwise. */
function successStatusOf(served: ServedByFastifyTarget, method: RouteOptions['method']): number {
  const fn: unknown = Reflect.get(served.controller.prototype as object, served.method);
  const code: unknown =
    typeof fn === 'function' ? Reflect.getMetadata(HTTP_CODE_METADATA, fn) : undefined;
  if (typeof code === 'number') return code;
  return method === 'POST' ? 201 : 200;
}

function handlerOf(
  app: NestFastifyApplication,
  served: ServedByFastifyTarget,
  status: number,
  fail: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const controller: unknown = app.get(served.controller);
  const method: unknown = Reflect.get(controller as object, served.method);
  if (typeof method !== 'function') {
    throw new Error(
      `@ServedByFastify() on ${served.controller.name}.${String(served.method)}: not a method`,
    );
  }
  const serve = (method as ServedMethod).bind(controller);
  // Not an async function: Fastify would wrap its promise in two more callbacks per request.
  return (request, reply) => {
    let answered: Promise<unknown>;
    try {
      answered = serve(request);
    } catch (error) {
      fail(error, request, reply);
      return;
    }
    answered.then(
      (answer) => {
        // As Nest's router: a failure to send the answer is answered by the filter too.
        try {
          reply.code(status).send(answer);
        } catch (error) {
          fail(error, request, reply);
        }
      },
      (error: unknown) => fail(error, request, reply),
    );
  };
}
