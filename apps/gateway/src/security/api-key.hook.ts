import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { ProblemException } from '@ml-system/server-core';
import type { ApiKeyVerifier } from './api-key.verifier';
import { API_KEY_HEADER } from './security.constants';

declare module 'fastify' {
  interface FastifyRequest {
    /** Id (digest prefix) of the API key the request was authenticated with. */
    apiKeyId: string | undefined;
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

const MISSING_KEY = `An API key is required: send it as ${API_KEY_HEADER} or Authorization: Bearer <key>`;

/**
 * The `onRequest` hook of every route that needs a key (see `SecurityHooks`):
 * a missing or unknown key ends the request with a 401 problem carrying
 * `WWW-Authenticate: Bearer` (through the app's error handler, so the answer
 * is the one every other error gets); an accepted key's id is recorded on the
 * request for the rate limiter and the logs. It runs before the body is read.
 */
export function apiKeyHook(keys: ApiKeyVerifier): onRequestHookHandler {
  return function authenticate(request, _reply, done) {
    const presented = presentedKey(request.headers);
    if (presented === undefined || presented === '') {
      done(unauthorized(MISSING_KEY));
      return;
    }
    const id = keys.verify(presented);
    if (id === undefined) {
      done(unauthorized('The API key is not valid'));
      return;
    }
    request.apiKeyId = id;
    done();
  };
}
