import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RouteOptions, onRequestHookHandler } from 'fastify';
import { apiKeyHook } from './api-key.hook';
import { ApiKeyVerifier } from './api-key.verifier';
import { FixedWindowCounter } from './fixed-window.counter';
import { rateLimitHook } from './rate-limit.hook';
import { IS_PUBLIC, SKIP_RATE_LIMIT } from './security.constants';

/** What a controller route asks of the security hooks, from its decorators. */
export interface RouteSecurity {
  /** Not `@Public()`: needs an API key when keys are configured. */
  apiKey: boolean;
  /** Not `@SkipRateLimit()`: counted against a budget when the limit is on. */
  rateLimit: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every Nest controller route by `markControllerRoutes`; absent on Fastify's own routes. */
    security?: RouteSecurity;
  }
}

/** A route's settings: the method's decorator over its controller's. */
export function routeSecurityOf(reflector: Reflector, handler: object, owner: Type): RouteSecurity {
  const targets = [handler as () => unknown, owner];
  return {
    apiKey: reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) !== true,
    rateLimit: reflector.getAllAndOverride<boolean | undefined>(SKIP_RATE_LIMIT, targets) !== true,
  };
}

/**
 * Writes each route's `RouteSecurity` into its Fastify route config (the
 * metadata of `@RouteConfig()`, kept as it is otherwise), once, before Nest
 * registers the routes: every controller route gets one, so a route nobody
 * marked is protected. Routes registered on Fastify directly (Swagger's
 * `/docs`) and the not-found handler get none and stay open, as before.
 */
export function markControllerRoutes(controllers: readonly Type[], reflector: Reflector): void {
  const scanner = new MetadataScanner();
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
      const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as
        Record<string, unknown> | undefined;
      Reflect.defineMetadata(
        FASTIFY_ROUTE_CONFIG_METADATA,
        { ...config, security: routeSecurityOf(reflector, handler, controller) },
        handler,
      );
    }
  }
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * API keys and rate limits as Fastify `onRequest` hooks: one implementation
 * of each, attached once per route when the route is registered, to the routes
 * whose config asks for it, and only when it is on (keys configured, a limit
 * above 0). Nothing is looked up per request, and a request refused with 401
 * or 429 is refused before its body is read.
 */
@Injectable()
export class SecurityHooks implements OnApplicationBootstrap {
  private readonly logger = new Logger('Security');
  private installed = false;

  constructor(
    private readonly keys: ApiKeyVerifier,
    private readonly counter: FixedWindowCounter,
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /**
   * Marks the controller routes and attaches the hooks as routes are
   * registered; must run before `app.init()` (bootstrap's `configureGateway`
   * does it).
   */
  install(app: NestFastifyApplication): void {
    markControllerRoutes(
      this.discovery
        .getControllers()
        .map((wrapper) => wrapper.metatype as Type | null)
        .filter((metatype): metatype is Type => typeof metatype === 'function'),
      this.reflector,
    );
    const fastify = app.getHttpAdapter().getInstance();
    fastify.decorateRequest('apiKeyId', undefined);
    const authenticate = this.keys.enabled ? apiKeyHook(this.keys) : undefined;
    const limit = this.counter.limit > 0 ? rateLimitHook(this.counter) : undefined;
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const security = route.config?.security;
      if (!security) return;
      const own = asArray(route.onRequest);
      const added: onRequestHookHandler[] = [];
      // The key first, so that the limiter counts per key.
      if (authenticate && security.apiKey && !own.includes(authenticate)) added.push(authenticate);
      if (limit && security.rateLimit && !own.includes(limit)) added.push(limit);
      if (added.length > 0) route.onRequest = [...own, ...added];
    });
    this.installed = true;
  }

  /**
   * Says at start whether keys are enforced; loudly when they are not.
   * @throws Error when `install` was not called: the routes would be open.
   */
  onApplicationBootstrap(): void {
    if (!this.installed) {
      throw new Error('SecurityHooks.install(app) was not called before init: routes are open');
    }
    if (this.keys.enabled) {
      this.logger.log(
        `API keys: ${this.keys.size} accepted; every route that is not public needs one`,
      );
      return;
    }
    this.logger.warn(
      'AUTHENTICATION IS OFF: neither API_KEYS nor API_KEYS_FILE is set, so anyone who can reach the ' +
        'gateway can use every route. Set one of them in any deployment that others can reach.',
    );
  }
}
