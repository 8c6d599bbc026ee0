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
    // These 503s answer a status body (health; OIP readiness, as the protocol has it), not a problem.
    expect(
      openApiGaps(document, [
        'GET /health 503',
        'GET /health/ready 503',
        'GET /v2/models/{name}/ready 503',
        'GET /v2/models/{name}/versions/{version}/ready 503',
      ]),
    ).toEqual([]);
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
        '/v2/models/{name}',
        '/v2/models/{name}/infer',
        '/v2/models/{name}/ready',
        '/v2/models/{name}/versions/{version}',
        '/v2/models/{name}/versions/{version}/infer',
        '/v2/models/{name}/versions/{version}/ready',
      ].sort(),
    );
    const process = document.paths['/process']?.post;
    expect(Object.keys(process?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '413', '415', '429', '502', '503', '504']),
    );
    const infer = document.paths['/v2/models/{name}/infer']?.post;
    expect(Object.keys(infer?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '413', '415', '429', '503', '504']),
    );
    const body = document.components?.schemas?.['ProcessRequestDto'] as
      { properties?: Record<string, unknown> } | undefined;
    expect(Object.keys(body?.properties ?? {})).toEqual(
      expect.arrayContaining(['data', 'forward_to_model', 'model', 'model_version']),
    );
    expect(document.components?.schemas?.['ProblemDetails']).toMatchObject({
      required: expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'request_id']),
    });
  });
});
