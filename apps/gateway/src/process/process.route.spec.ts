import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PredictorClient } from '../predictor-client/predictor-client';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';

describe('POST /process served by Fastify (installProcessRoute)', () => {
  let app: NestFastifyApplication;
  let nestReplies: jest.SpyInstance;

  beforeEach(async () => {
    app = await gatewayTestApp(strictMock(PredictorClient, {}));
    // Nest's router sends every answer of its routes through the adapter's `reply`.
    nestReplies = jest.spyOn(app.getHttpAdapter(), 'reply');
  });

  afterEach(async () => {
    await app.close();
  });

  it.each(['/process', '/v1/process'])('answers %s without Nest’s router', async (url) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'x-request-id': 'direct-1' },
      payload: { data: 'x', forward_to_model: false },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      status: 'Input logged successfully',
      request_id: 'direct-1',
    });
    expect(nestReplies).not.toHaveBeenCalled();
  });

  it('answers a refusal of its handler with the problem filter, as Nest did', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', 'x-request-id': 'direct-2' },
      payload: { data: 'x', unknown: 1 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 400, request_id: 'direct-2' });
    expect(nestReplies).not.toHaveBeenCalled();
  });

  it('leaves the other routes on Nest’s router', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(nestReplies).toHaveBeenCalledTimes(1);
  });
});
