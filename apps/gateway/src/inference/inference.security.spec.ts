import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { PredictorClient } from '../predictor-client/predictor-client';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { problemViolations } from '../testing/problem-assertions';
import { CAT } from '../testing/fixtures';
import { strictMock } from '../testing/strict-mock';

const KEY = 'alpha-key-0123456789';
const MAX = 4;

const INFER_BODY = {
  inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['a cat'] }],
};

/** Every model route of the gateway, as a client calls it. */
const MODEL_ROUTES: InjectOptions[] = [
  { method: 'POST', url: '/v2/models/m/infer', payload: INFER_BODY },
  { method: 'POST', url: '/v2/models/m/versions/1/infer', payload: INFER_BODY },
  { method: 'GET', url: '/v2/models/m' },
  { method: 'GET', url: '/v2/models/m/versions/1' },
  { method: 'GET', url: '/v2/models/m/ready' },
  { method: 'GET', url: '/v2/models/m/versions/1/ready' },
];

const answeringModels = (): PredictorClient =>
  strictMock(PredictorClient, {
    predict: async () => CAT,
    infer: async () => ({ model_name: 'm', model_version: '1', outputs: [] }),
    modelMetadata: async () => ({
      name: 'm',
      versions: ['1'],
      platform: 'x',
      inputs: [],
      outputs: [],
    }),
    modelReady: async () => ({ name: 'm', ready: true }),
    checkEndpoints: async () => [],
  });

// The Open Inference Protocol routes sit behind the same API keys and the
// same per-key budget as POST /process: a second door would be a way around both.
describe('the model routes behind API keys and rate limits (HTTP pipeline)', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    app = await gatewayTestApp(answeringModels(), {
      env: { API_KEYS: KEY, RATE_LIMIT_MAX: String(MAX) },
    });
  });

  afterEach(async () => {
    await app.close();
  });

  it.each(MODEL_ROUTES)('refuses $method $url without a key: 401 problem+json', async (route) => {
    const refused = await app.inject(route);
    expect(refused.statusCode).toBe(401);
    expect(problemViolations(refused)).toEqual([]);
    expect(refused.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it.each(MODEL_ROUTES)('answers $method $url with a key', async (route) => {
    const answer = await app.inject({ ...route, headers: { 'x-api-key': KEY } });
    expect(answer.statusCode).toBe(200);
  });

  it('spends one budget per key across /process and the model routes', async () => {
    const withKey = (route: InjectOptions) =>
      app.inject({ ...route, headers: { 'x-api-key': KEY } });
    const codes: number[] = [];
    for (const route of MODEL_ROUTES.slice(0, MAX)) codes.push((await withKey(route)).statusCode);
    expect(codes).toEqual(Array<number>(MAX).fill(200));

    const infer = await withKey(MODEL_ROUTES[0]);
    expect(infer.statusCode).toBe(429);
    expect(problemViolations(infer)).toEqual([]);
    expect(infer.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(infer.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const process = await withKey({
      method: 'POST',
      url: '/process',
      payload: { data: 'cat', forward_to_model: false },
    });
    expect(process.statusCode).toBe(429);
  });
});
