import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ProblemDetailsFilter } from '@ml-system/server-core';
import { ProcessController } from './process.controller';
import type { ProcessResponse } from './process.types';

/**
 * Serves `POST /process` (and `/v1/process`) without Nest's router: when Nest
 * registers the route, an `onRoute` hook swaps Nest's handler (guards, pipes,
 * interceptors and response consumers, several closures and promises per
 * request, none of which this route uses) for one that calls the controller
 * and sends its answer with the status of its `@HttpCode(200)`. Everything
 * else stays as it was: the route's URL, config and hooks (request id,
 * security headers, API key, rate limit, observability), Fastify's body
 * parsing and its errors, which still reach Nest's error handler; a failure
 * of the handler is answered by the same problem+json filter Nest would call.
 * Must run before `app.init()` (bootstrap's `configureGateway` does it).
 */
export function installProcessRoute(app: NestFastifyApplication): void {
  const controller = app.get(ProcessController);
  const problems = new ProblemDetailsFilter();
  const fail = (error: unknown, request: FastifyRequest, reply: FastifyReply): void =>
    problems.answer(error, request, reply);
  // Not an async function: Fastify would wrap its promise in two more callbacks per request.
  const handler = (request: FastifyRequest, reply: FastifyReply): void => {
    let answered: Promise<ProcessResponse>;
    try {
      answered = controller.process(request);
    } catch (error) {
      fail(error, request, reply);
      return;
    }
    answered.then(
      (answer) => {
        // As Nest's router: a failure to send the answer is answered by the filter too.
        try {
          reply.code(200).send(answer);
        } catch (error) {
          fail(error, request, reply);
        }
      },
      (error: unknown) => fail(error, request, reply),
    );
  };
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route: RouteOptions) => {
      if (route.config?.servedByFastify === true) route.handler = handler;
    });
}
