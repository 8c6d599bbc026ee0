import { normalizeIp } from '@nestjs/throttler';
import type { onRequestHookHandler } from 'fastify';
import { ProblemException } from '@ml-system/server-core';
import type { FixedWindowCounter } from './fixed-window.counter';

/**
 * The `onRequest` hook of every rate-limited route (see `SecurityHooks`): one
 * budget per API key across all routes, or per client address without a key.
 * It runs after the API-key hook, which records the key on the request, so a
 * request refused with 401 spends no budget. Over the limit: a 429 problem
 * with `Retry-After` in whole seconds until the window ends.
 */
export function rateLimitHook(counter: FixedWindowCounter): onRequestHookHandler {
  const { limit, windowMs } = counter;
  return function rateLimit(request, _reply, done) {
    const keyId = request.apiKeyId;
    // Without a key, the peer address (IPv6 by /64, as @nestjs/throttler does).
    // Not X-Forwarded-For: a client could write any value there to escape its limit.
    const retryAfter = counter.hit(
      keyId === undefined ? `ip:${normalizeIp(request.ip)}` : `key:${keyId}`,
    );
    if (retryAfter === 0) {
      done();
      return;
    }
    done(
      new ProblemException(
        429,
        'RATE_LIMITED',
        `Too many requests: at most ${limit} per ${windowMs / 1000} s; retry after ${retryAfter} s`,
        { 'retry-after': String(retryAfter) },
      ),
    );
  };
}
