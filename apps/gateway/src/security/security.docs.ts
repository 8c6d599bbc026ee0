import { applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { ProblemResponse } from '@ml-system/server-core';

/** Names of the security schemes the document declares (see gateway.openapi.ts). */
export const API_KEY_SCHEMES = ['api-key', 'bearer'] as const;

/**
 * What every operation behind the API-key guard can also answer: a missing or
 * wrong key (only when keys are configured), and the rate limit.
 */
export const GUARDED_PROBLEMS: readonly ProblemResponse[] = [
  {
    status: 401,
    description:
      'API keys are configured and none of them was sent (x-api-key or Authorization: Bearer)',
    examples: { UNAUTHORIZED: 'A valid API key is required (x-api-key or Authorization: Bearer)' },
  },
  {
    status: 429,
    description:
      'More than RATE_LIMIT_MAX requests in RATE_LIMIT_WINDOW_MS from this key (or address)',
    examples: { RATE_LIMITED: 'Too many requests; retry after Retry-After seconds' },
    retryAfter: true,
  },
];

/** The security schemes an operation behind the API-key guard declares. */
export function ApiGuarded(): MethodDecorator {
  return applyDecorators(...API_KEY_SCHEMES.map((scheme) => ApiSecurity(scheme)));
}
