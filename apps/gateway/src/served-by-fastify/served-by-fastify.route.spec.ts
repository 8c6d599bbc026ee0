import { Controller, Get, HttpCode, Module, Post, Req } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyRequest } from 'fastify';
import type { OipInferResponse } from '@ml-system/contracts';
import { InputLogWriteService } from '../input-log/input-log-write.service';
import { PredictorClient } from '../predictor-client/predictor-client';
import type { ModelChoice } from '../predictor-client/predictor-client';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { problemViolations } from '../testing/problem-assertions';
import { strictMock } from '../testing/strict-mock';
import { ServedByFastify } from './served-by-fastify.decorator';
import { installFastifyServedRoutes } from './served-by-fastify.route';

const INFERRED: OipInferResponse = {
  model_name: 'm',
  model_version: '1',
  outputs: [{ name: 'label', datatype: 'BYTES', shape: [1], data: ['POSITIVE'] }],
};

describe('routes served by Fastify (installFastifyServedRoutes)', () => {
  let app: NestFastifyApplication;
  let nestReplies: jest.SpyInstance;
  let inferred: Array<{ choice: ModelChoice; request: Record<string, unknown> }>;

  beforeEach(async () => {
    inferred = [];
    app = await gatewayTestApp(
      strictMock(PredictorClient, {
        infer: async (choice, request) => {
          inferred.push({ choice, request });
          return INFERRED;
        },
      }),
    );
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

  it.each([
    ['/v2/models/m/infer', { model: 'm' }],
    ['/v2/models/m/versions/1/infer', { model: 'm', version: '1' }],
  ])('answers %s without Nest’s router, the model its path names', async (url, choice) => {
    const body = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['a cat'] }] };
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual(INFERRED);
    expect(inferred).toEqual([{ choice, request: body }]);
    expect(nestReplies).not.toHaveBeenCalled();
  });

  it.each([
    ['/v2/models/-m/infer', 'name must be a model name'],
    ['/v2/models/m/versions/0/infer', 'version must be a positive integer'],
  ])('refuses %s with a 400 problem naming the parameter', async (url, error) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: { inputs: [] },
    });
    expect(response.statusCode).toBe(400);
    expect(problemViolations(response)).toEqual([]);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [expect.stringContaining(error)],
    });
    expect(inferred).toEqual([]);
    expect(nestReplies).not.toHaveBeenCalled();
  });

  it('refuses an infer request without a body with a 400 problem, not a 500', async () => {
    const response = await app.inject({ method: 'POST', url: '/v2/models/m/infer' });
    expect(response.statusCode).toBe(400);
    expect(problemViolations(response)).toEqual([]);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(inferred).toEqual([]);
  });

  it('records an infer request’s JSON text as the client sent it', async () => {
    const appended = jest.spyOn(app.get(InputLogWriteService), 'appendInput');
    const text =
      '{ "inputs": [ {"name": "text", "datatype": "BYTES", "shape": [1], "data": ["a cat"]} ] }';
    const response = await app.inject({
      method: 'POST',
      url: '/v2/models/m/infer',
      headers: { 'content-type': 'application/json' },
      payload: text,
    });
    expect(response.statusCode).toBe(200);
    expect(appended).toHaveBeenCalledWith(expect.objectContaining({ data: text, kind: 'infer' }));
  });

  it('leaves the other routes on Nest’s router', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(nestReplies).toHaveBeenCalledTimes(1);
  });
});

@Controller('served')
class ServedController {
  private readonly prefix = 'served';

  @Post('created')
  @ServedByFastify()
  created(@Req() request: FastifyRequest<{ Body: { n: number } }>): Promise<object> {
    return Promise.resolve({ by: this.prefix, n: request.body.n });
  }

  @Post('accepted')
  @HttpCode(202)
  @ServedByFastify()
  accepted(): Promise<object> {
    return Promise.resolve({ accepted: true });
  }

  @Get(':id')
  @ServedByFastify()
  one(@Req() request: FastifyRequest<{ Params: { id: string } }>): Promise<object> {
    return Promise.resolve({ id: request.params.id });
  }
}

@Module({ controllers: [ServedController] })
class ServedModule {}

describe('installFastifyServedRoutes on any controller', () => {
  let app: NestFastifyApplication;
  let nestReplies: jest.SpyInstance;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ServedModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    installFastifyServedRoutes(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    nestReplies = jest.spyOn(app.getHttpAdapter(), 'reply');
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['POST', '/served/created', { n: 1 }, 201, { by: 'served', n: 1 }],
    ['POST', '/served/accepted', {}, 202, { accepted: true }],
    ['GET', '/served/7', undefined, 200, { id: '7' }],
  ] as const)(
    'calls the marked method on its controller instance: %s %s (body %j) answers %d, its @HttpCode or Nest’s default',
    async (method, url, payload, status, body) => {
      const response = await app.inject({ method, url, ...(payload && { payload }) });
      expect(response.statusCode).toBe(status);
      expect(response.json()).toEqual(body);
      expect(nestReplies).not.toHaveBeenCalled();
    },
  );
});
