import type { Type } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/** Which controller method answers a route that Fastify serves itself. */
export interface ServedByFastifyTarget {
  controller: Type<unknown>;
  method: string | symbol;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@ServedByFastify()`: the route's handler is replaced at registration. */
    servedByFastify?: ServedByFastifyTarget;
  }
}

/**
 * Marks a controller method whose route Fastify serves itself
 * (`installFastifyServedRoutes`): the method is called with the Fastify
 * request alone and answers with a promise of the body. It stays a Nest route
 * in every other respect: its decorators make its OpenAPI entry (so path
 * parameters and the body are described with `@ApiParam`/`@ApiBody`, not
 * `@Param`/`@Body`, which nothing would fill), its route config carries the
 * security settings the hooks read, and Nest registers it at init.
 */
export function ServedByFastify() {
  // `never`: the method may type the request's params and body for its route (any generic fits).
  return <Method extends (request: FastifyRequest<never>) => Promise<unknown>>(
    target: object,
    method: string | symbol,
    descriptor: TypedPropertyDescriptor<Method>,
  ): void => {
    // A method decorator's target is the prototype; its class is what Nest resolves.
    const controller = target.constructor as Type<unknown>;
    RouteConfig({ servedByFastify: { controller, method } })(target, method, descriptor);
  };
}
