import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { buildOpenApiDocument, serveOpenApi } from '@ml-system/server-core';

const TITLE = 'ml-system predictor';

/** The predictor's HTTP face (its TCP patterns are in libs/contracts, not in OpenAPI). */
export function predictorOpenApiDocument(app: INestApplication): OpenAPIObject {
  return buildOpenApiDocument(app, {
    title: TITLE,
    description:
      "The predictor's direct HTTP interface: the seed's /predict, a batch variant, model metadata, " +
      'and the Open Inference Protocol v2 over its model repository. ' +
      'The gateway talks to it over TCP message patterns instead (predictor.predict.v1 with an optional model and version; ' +
      'predictor.infer.v1, predictor.model-metadata.v1 and predictor.model-ready.v1 for the OIP model routes it forwards, ' +
      'answered by the same service as the routes here). Errors are application/problem+json (RFC 9457).',
    version: SYSTEM_VERSION,
    tags: [
      { name: 'predict', description: 'Classify texts' },
      { name: 'health', description: 'Liveness and readiness' },
      {
        name: 'inference',
        description:
          'Open Inference Protocol v2 (REST) over the model repository, and Triton\'s repository index. Errors are {"error": "..."}',
      },
      { name: 'observability', description: 'Metrics' },
    ],
  });
}

/** `/docs` (Swagger UI) and `/docs-json` on the predictor's HTTP port. */
export function servePredictorOpenApi(app: INestApplication): void {
  serveOpenApi(app, () => predictorOpenApiDocument(app), TITLE);
}
