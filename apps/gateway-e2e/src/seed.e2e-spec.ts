import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

const MESSAGE = /^Predicted class: (cat|dog|bird|fish|rabbit) with \d{1,3}\.\d% confidence$/;

/** The seed lab's curl commands, against the built apps running as real processes. */
describe('the seed lab, end to end', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  beforeAll(async () => {
    predictor = await startPredictor();
    gateway = await startGateway([predictor.tcpPort]);
  });

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  it('logs without forwarding: {"data": "sample input", "forward_to_model": false}', async () => {
    const response = await postJson(`${gateway.url}/process`, {
      data: 'sample input',
      forward_to_model: false,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'Input logged successfully',
      request_id: response.headers.get('x-request-id'),
    });
  });

  it('forwards to the model: {"data": "cat image data", "forward_to_model": true}', async () => {
    const response = await postJson(`${gateway.url}/process`, {
      data: 'cat image data',
      forward_to_model: true,
    });
    expect(response.status).toBe(200);
    const body = response.body as {
      status: string;
      model_prediction: { prediction: Record<string, unknown>; message: string };
      request_id: string;
    };
    expect(body.status).toBe('Input logged successfully');
    expect(body.model_prediction.prediction).toMatchObject({
      class: expect.stringMatching(/^(cat|dog|bird|fish|rabbit)$/),
      confidence: expect.any(Number),
      input_length: 14,
      model: { name: expect.any(String), version: expect.any(String) },
    });
    expect(body.model_prediction.message).toMatch(MESSAGE);
    const { confidence } = body.model_prediction.prediction as { confidence: number };
    expect(body.model_prediction.message).toContain(`${(confidence * 100).toFixed(1)}%`);
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('asks the predictor directly: {"input": "test input"}', async () => {
    const response = await postJson(`${predictor.httpUrl}/predict`, { input: 'test input' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      prediction: { class: expect.any(String), confidence: expect.any(Number), input_length: 10 },
      message: expect.stringMatching(MESSAGE),
    });
  });

  it('reports health on both services', async () => {
    const gatewayHealth = await getJson(`${gateway.url}/health`);
    expect(gatewayHealth.status).toBe(200);
    expect(gatewayHealth.body).toMatchObject({
      service: 'gateway',
      status: 'healthy',
      details: { predictor: { status: 'up' } },
    });
    const predictorHealth = await getJson(`${predictor.httpUrl}/health`);
    expect(predictorHealth.status).toBe(200);
    expect(predictorHealth.body).toMatchObject({ service: 'predictor', status: 'healthy' });
  });

  it('answers GET / on both services', async () => {
    expect((await getJson(`${gateway.url}/`)).body).toMatchObject({
      service: 'gateway',
      status: 'running',
    });
    expect((await getJson(`${predictor.httpUrl}/`)).body).toMatchObject({
      service: 'predictor',
      status: 'running',
    });
  });

  it.each([
    ['a string for a boolean', { data: 'x', forward_to_model: 'true' }, 400],
    ['an unknown field', { data: 'x', colour: 'red' }, 400],
    ['a missing data field', { forward_to_model: false }, 400],
    ['text over 10,000 characters', { data: 'a'.repeat(10_001) }, 400],
    ['malformed JSON', '{"data":', 400],
  ])('refuses %s with a problem+json %i', async (_what, body, status) => {
    const response = await postJson(`${gateway.url}/process`, body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status,
      request_id: response.headers.get('x-request-id'),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('refuses a non-JSON body with 415 and an oversized one with 413', async () => {
    const plain = await fetch(`${gateway.url}/process`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(plain.status).toBe(415);
    const huge = await postJson(`${gateway.url}/process`, { data: 'a'.repeat(70_000) });
    expect(huge.status).toBe(413);
  });

  it('answers hundreds of concurrent maximum-size inputs, then small ones', async () => {
    // The write-buffer deadlock of @nestjs/microservices >= 11.2.5, through the whole system.
    const big = 'the cat sat on the mat '.repeat(435).slice(0, 10_000);
    const responses = await Promise.all(
      Array.from({ length: 300 }, () => postJson(`${gateway.url}/process`, { data: big })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(300).fill(200));
    const small = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJson(`${gateway.url}/process`, { data: `dog ${i}` }),
      ),
    );
    expect(small.every((r) => r.status === 200)).toBe(true);
  });
});
