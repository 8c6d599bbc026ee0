import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiGaps, readOpenApiFile } from '@ml-system/server-core';
import { PREDICTOR_OPENAPI_FILE, generatePredictorOpenApi } from './predictor-openapi.generate';

describe('predictor OpenAPI document', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await generatePredictorOpenApi();
  });

  it('is the checked-in apps/predictor/openapi.json (after an API change: npx nx run predictor:openapi)', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(readOpenApiFile(PREDICTOR_OPENAPI_FILE));
  });

  it('documents every operation and every error response', () => {
    // The Open Inference Protocol answers its errors as {"error"} (and readiness as {ready}), by its spec.
    const oipErrors = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/v2'))
      .flatMap(([path, item]) =>
        (['get', 'post'] as const).flatMap((method) =>
          Object.keys(item[method]?.responses ?? {}).map(
            (status) => `${method.toUpperCase()} ${path} ${status}`,
          ),
        ),
      );
    expect(
      openApiGaps(document, ['GET /health 503', 'GET /health/ready 503', ...oipErrors]),
    ).toEqual([]);
  });

  it('describes the Open Inference Protocol errors as {"error"}', () => {
    const infer = document.paths['/v2/models/{name}/infer'].post;
    expect(Object.keys(infer?.responses ?? {}).sort()).toEqual(['200', '400', '404', '503']);
  });

  it('covers the HTTP contract of the predictor API in the README and docs/model-serving.md', () => {
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/',
        '/health',
        '/health/live',
        '/health/ready',
        '/metrics',
        '/model',
        '/predict',
        '/predict/batch',
        '/v2',
        '/v2/health/live',
        '/v2/health/ready',
        '/v2/models/{name}',
        '/v2/models/{name}/versions/{version}',
        '/v2/models/{name}/ready',
        '/v2/models/{name}/versions/{version}/ready',
        '/v2/models/{name}/infer',
        '/v2/models/{name}/versions/{version}/infer',
        '/v2/repository/index',
        '/v2/repository/models/{name}/load',
        '/v2/repository/models/{name}/unload',
      ].sort(),
    );
  });
});
