import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiGaps, readOpenApiFile } from '@ml-system/server-core';
import { GATEWAY_OPENAPI_FILE, generateGatewayOpenApi } from './gateway-openapi.generate';

describe('gateway OpenAPI document', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await generateGatewayOpenApi();
  });

  it('is the checked-in apps/gateway/openapi.json (after an API change: npx nx run gateway:openapi)', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(readOpenApiFile(GATEWAY_OPENAPI_FILE));
  });

  it('documents every operation and every error response', () => {
    expect(openApiGaps(document, ['GET /health 503', 'GET /health/ready 503'])).toEqual([]);
  });

  it('covers the HTTP contract of the gateway API in the README', () => {
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/',
        '/health',
        '/health/live',
        '/health/ready',
        '/logs',
        '/logs/{id}',
        '/metrics',
        '/process',
        '/v1/process',
      ].sort(),
    );
    const process = document.paths['/process']?.post;
    expect(Object.keys(process?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '413', '415', '429', '502', '503', '504']),
    );
    expect(document.components?.schemas?.['ProblemDetails']).toMatchObject({
      required: expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'request_id']),
    });
  });
});
