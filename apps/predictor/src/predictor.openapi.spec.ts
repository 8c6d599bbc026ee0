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
    expect(openApiGaps(document, ['GET /health 503', 'GET /health/ready 503'])).toEqual([]);
  });

  it('covers the HTTP contract of the predictor API in the README', () => {
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
      ].sort(),
    );
  });
});
