import { RouteConfig } from '@nestjs/platform-fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@ServedByFastify()` on `POST /process`: its handler is replaced at registration. */
    servedByFastify?: true;
  }
}

/**
 * Marks the controller method whose route Fastify serves itself
 * (`installProcessRoute`). The method stays a Nest route in every other
 * respect: its decorators make its OpenAPI entry, its route config carries the
 * security settings the hooks read, and Nest registers it at init.
 */
export const ServedByFastify = (): MethodDecorator => RouteConfig({ servedByFastify: true });
