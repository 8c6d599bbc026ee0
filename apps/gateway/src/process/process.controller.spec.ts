import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PredictionResult } from '@ml-system/contracts';
import { predictorError } from '@ml-system/contracts';
import { PredictorClient } from '../predictor-client/predictor-client';
import {
  PredictorTimeoutError,
  PredictorUnavailableError,
} from '../predictor-client/predictor.errors';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';

const CAT: PredictionResult = {
  prediction: {
    class: 'cat',
    confidence: 0.93,
    input_length: 14,
    model: { name: 'm', version: '1.0.0' },
  },
  message: 'Predicted class: cat with 93.0% confidence',
};

describe('ProcessController (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  let predict: jest.Mock;

  beforeEach(async () => {
    predict = jest.fn();
    app = await gatewayTestApp(strictMock(PredictorClient, { predict }));
  });

  afterEach(async () => {
    await app.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it('logs without forwarding and answers the seed shape with the request id', async () => {
    const response = await post(
      { data: 'sample input', forward_to_model: false },
      { 'x-request-id': 'abc-1' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('abc-1');
    expect(response.json()).toEqual({ status: 'Input logged successfully', request_id: 'abc-1' });
    expect(predict).not.toHaveBeenCalled();
  });

  it('forwards by default and carries the request id and deadline to the predictor', async () => {
    predict.mockResolvedValue(CAT);
    const before = Date.now();
    const response = await post({ data: 'cat image data' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      status: 'Input logged successfully',
      model_prediction: CAT,
      request_id: response.headers['x-request-id'],
    });
    const [input, context] = predict.mock.calls[0] as [
      string,
      { requestId: string; deadline: number },
    ];
    expect(input).toBe('cat image data');
    expect(context.requestId).toBe(body.request_id);
    expect(context.deadline).toBeGreaterThanOrEqual(before + 2500);
    expect(context.deadline).toBeLessThanOrEqual(Date.now() + 2500);
  });

  it('serves the versioned route too', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/process',
      headers: { 'content-type': 'application/json' },
      payload: { data: 'x', forward_to_model: false },
    });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    [
      { data: 'x', forward_to_model: 'true' },
      'forward_to_model: forward_to_model must be a boolean value',
    ],
    [{ data: 5 }, 'data: data must be a string'],
    [{ data: '' }, 'data: data must be longer than or equal to 1 characters'],
    [{}, 'data: data must be a string'],
    [{ data: 'x', extra: 1 }, 'extra: property extra should not exist'],
    [{ data: 'a'.repeat(10_001) }, 'data: data must be shorter than or equal to 10000 characters'],
  ])('refuses %j with a 400 naming the field', async (payload, line) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json();
    expect(body).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      type: '/problems/validation-failed',
    });
    expect(body.errors).toContain(line);
    expect(body.request_id).toBe(response.headers['x-request-id']);
    expect(predict).not.toHaveBeenCalled();
  });

  it.each([
    ['{"data": ', 400, 'MALFORMED_JSON'],
    ['[1,2]', 400, 'VALIDATION_FAILED'],
    ['{"data":"x","__proto__":{"admin":true}}', 400, 'MALFORMED_JSON'],
    ['{"data":"x","constructor":{"prototype":{"admin":true}}}', 400, 'MALFORMED_JSON'],
  ])('refuses the body %s', async (payload, status, code) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code });
  });

  it('refuses a non-JSON content type with 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('accepts a charset parameter on the JSON content type', async () => {
    const response = await post(
      { data: 'x', forward_to_model: false },
      { 'content-type': 'application/json; charset=utf-8' },
    );
    expect(response.statusCode).toBe(200);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await post({ data: 'a'.repeat(70_000) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('replaces a hostile x-request-id instead of echoing it', async () => {
    const response = await post(
      { data: 'x', forward_to_model: false },
      { 'x-request-id': 'a'.repeat(500) },
    );
    expect(response.headers['x-request-id']).toMatch(/^[\da-f-]{36}$/);
  });

  it('maps an unreachable predictor to 503 with Retry-After', async () => {
    predict.mockRejectedValue(new PredictorUnavailableError('connection refused'));
    const response = await post({ data: 'x' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({
      code: 'PREDICTOR_UNAVAILABLE',
      detail: 'Predictor is unavailable: connection refused',
    });
  });

  it('maps a timeout to 504 and a predictor-side failure to 502, never 500', async () => {
    predict.mockRejectedValueOnce(new PredictorTimeoutError(1000));
    expect((await post({ data: 'x' })).statusCode).toBe(504);
    predict.mockRejectedValueOnce(predictorError('INTERNAL', 'boom'));
    const response = await post({ data: 'x' });
    expect(response.statusCode).toBe(502);
    expect(response.body).not.toContain('boom');
  });

  it('answers GET / with the service banner', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.json()).toEqual({ service: 'gateway', status: 'running', version: '1.0.0' });
  });

  it('answers unknown routes with a 404 problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
