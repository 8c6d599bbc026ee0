import { Injectable, Logger } from '@nestjs/common';
import type { CanActivate, ExecutionContext, OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@ml-system/server-core';
import { ApiKeyVerifier } from './api-key.verifier';
import { RouteMetadataCache } from './route-metadata-cache';
import { API_KEY_HEADER, IS_PUBLIC } from './security.constants';

declare module 'fastify' {
  interface FastifyRequest {
    /** Id (digest prefix) of the API key the request was authenticated with. */
    apiKeyId?: string;
  }
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * The key a request presents: `x-api-key` when the header is there (even
 * empty, so that a bad one is not silently replaced by another header), else
 * the token of `Authorization: Bearer <key>`.
 */
export function presentedKey(headers: FastifyRequest['headers']): string | undefined {
  const header = headers[API_KEY_HEADER];
  if (header !== undefined) return Array.isArray(header) ? header.join(',') : header;
  const authorization = headers.authorization;
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

function unauthorized(detail: string): ProblemException {
  return new ProblemException(401, 'UNAUTHORIZED', detail, { 'www-authenticate': 'Bearer' });
}

/**
 * Global guard: every route needs a valid API key unless it is `@Public()`, or
 * no key is configured at all. A failure is a 401 problem with
 * `WWW-Authenticate: Bearer`; success records the key's id on the request for
 * the rate limiter and the logs.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate, OnApplicationBootstrap {
  private readonly logger = new Logger('Security');

  constructor(
    private readonly reflector: RouteMetadataCache,
    private readonly keys: ApiKeyVerifier,
  ) {}

  /** Says at start whether keys are enforced; loudly when they are not. */
  onApplicationBootstrap(): void {
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

  /** @throws ProblemException 401 when the key is missing or not accepted. */
  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.enabled || context.getType() !== 'http') return true;
    if (
      this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = presentedKey(request.headers);
    if (presented === undefined || presented === '') {
      throw unauthorized(
        `An API key is required: send it as ${API_KEY_HEADER} or Authorization: Bearer <key>`,
      );
    }
    const id = this.keys.verify(presented);
    if (id === undefined) throw unauthorized('The API key is not valid');
    request.apiKeyId = id;
    return true;
  }
}
