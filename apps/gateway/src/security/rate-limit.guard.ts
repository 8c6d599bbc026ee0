import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard } from '@nestjs/throttler';
import type {
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@ml-system/server-core';
import { RouteMetadataCache } from './route-metadata-cache';

/**
 * @nestjs/throttler's guard, fitted to the gateway:
 * - one budget per API key across all routes (per client address without a
 *   key), instead of one per route and address; it runs after the API-key
 *   guard, which records the key on the request;
 * - the key of the budget is the tracker itself, not a SHA-256 of it per request;
 * - a limit of 0 (RATE_LIMIT_MAX=0) turns it off before any other work;
 * - a refusal is a 429 problem+json with `Retry-After`;
 * - route metadata is looked up once per route, not six times per request.
 * Health probes carry `@SkipThrottle()`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private disabled = false;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: RouteMetadataCache,
  ) {
    super(options, storage, reflector);
  }

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.disabled = this.throttlers.every((throttler) => throttler.limit === 0);
  }

  protected override async shouldSkip(): Promise<boolean> {
    return this.disabled;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const keyId = (request as unknown as FastifyRequest).apiKeyId;
    // Without a key, the peer address (IPv6 by /64, as the library does). Not
    // X-Forwarded-For: a client could write any value there to escape its limit.
    return keyId ? `key:${keyId}` : `ip:${await super.getTracker(request)}`;
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  /** @throws ProblemException 429 with Retry-After (whole seconds until the window ends). */
  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new ProblemException(
      429,
      'RATE_LIMITED',
      `Too many requests: at most ${detail.limit} per ${detail.ttl / 1000} s; retry after ${retryAfter} s`,
      { 'retry-after': String(retryAfter) },
    );
  }
}
