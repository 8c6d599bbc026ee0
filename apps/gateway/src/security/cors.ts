import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { API_KEY_HEADER } from './security.constants';
import { splitList } from '../config/gateway.config';

/**
 * CORS, only when CORS_ORIGINS lists origins: browsers on those origins may
 * call the API with a key in a header; others get no CORS headers and are
 * stopped by the browser. Credentials (cookies) are never allowed: the API
 * authenticates by header, and a cookie-based cross-site call is what CORS
 * with credentials would open up. Preflights are answered before the guards
 * (browsers send no key on them).
 */
export function configureCors(app: NestFastifyApplication, origins: string | undefined): void {
  const allowed = splitList(origins);
  if (allowed.length === 0) return;
  app.enableCors({
    origin: allowed,
    methods: ['GET', 'POST'],
    allowedHeaders: [
      'content-type',
      'authorization',
      API_KEY_HEADER,
      'x-request-id',
      'traceparent',
    ],
    exposedHeaders: ['x-request-id', 'retry-after'],
    credentials: false,
    maxAge: 600,
  });
}
