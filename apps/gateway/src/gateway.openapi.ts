import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { buildOpenApiDocument, serveOpenApi } from '@ml-system/server-core';

const TITLE = 'ml-system gateway';

/** The gateway's OpenAPI document, scanned from the app's controllers. */
export function gatewayOpenApiDocument(app: INestApplication): OpenAPIObject {
  return buildOpenApiDocument(app, {
    title: TITLE,
    description:
      'Records every input durably and, when asked, classifies it with the predictor (its default model, ' +
      'or the `model`/`model_version` named); forwards the Open Inference Protocol v2 model routes to it. ' +
      'Errors are application/problem+json (RFC 9457); every response carries x-request-id, ' +
      'and a W3C traceparent header is honoured. With API_KEYS set, every route but /, /health* and /docs ' +
      'needs a key (x-api-key or Authorization: Bearer).',
    version: SYSTEM_VERSION,
    apiKeys: true,
    tags: [
      { name: 'process', description: 'Log an input and classify it' },
      {
        name: 'inference',
        description:
          "Open Inference Protocol v2 (REST) model routes, forwarded to the predictor's model repository; errors are problem+json",
      },
      { name: 'health', description: 'Liveness, readiness and dependency health' },
      { name: 'input log', description: 'Every acknowledged input, as stored (needs the API key)' },
      { name: 'observability', description: 'Metrics' },
    ],
  });
}

/** `/docs` (Swagger UI) and `/docs-json`; called by bootstrap before the app listens. */
export function serveGatewayOpenApi(app: INestApplication): void {
  serveOpenApi(app, () => gatewayOpenApiDocument(app), TITLE);
}
