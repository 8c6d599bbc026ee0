import { join } from 'node:path';
import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

// A model named through the whole system: the built gateway in front of the
// built predictor serving the repository tools/models/make_test_models.py
// wrote (real processes, real sockets, real onnxruntime sessions).

const REPOSITORY = join(__dirname, '..', '..', '..', 'tools', 'models', 'repository');
const KEY = 'e2e-models-key-0123456789abcdef';
const AUTH = { 'x-api-key': KEY };

const texts = {
  id: 'e2e-1',
  inputs: [
    { name: 'text', datatype: 'BYTES', shape: [2], data: ['I love this great film', 'awful food'] },
  ],
};

describe('models through the gateway (real gateway and predictor processes)', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  beforeAll(async () => {
    predictor = await startPredictor(
      {},
      {
        MODEL_REPOSITORY: REPOSITORY,
        DEFAULT_MODEL: 'tiny-sentiment',
        MODEL_REPOSITORY_POLL_MS: '0',
      },
    );
    gateway = await startGateway([predictor.tcpPort], { API_KEYS: KEY });
  }, 60_000);

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  it('answers POST /process from the model and version named, as the predictor does directly', async () => {
    for (const choice of [
      { model: 'tiny-sentiment', model_version: '1' },
      { model: 'tiny-sentiment' },
    ]) {
      const answer = await postJson(
        `${gateway.url}/process`,
        { data: 'awful food', ...choice },
        AUTH,
      );
      expect(answer.status).toBe(200);
      const direct = await postJson(`${predictor.httpUrl}/predict`, {
        input: 'awful food',
        model: choice.model,
        ...(choice.model_version && { version: choice.model_version }),
      });
      expect(answer.body['model_prediction']).toEqual(direct.body);
      expect(answer.body['model_prediction']).toMatchObject({
        prediction: {
          model: { name: 'tiny-sentiment', version: choice.model_version ?? '2' },
        },
      });
    }
    const byDefault = await postJson(`${gateway.url}/process`, { data: 'awful food' }, AUTH);
    expect(byDefault.body).toMatchObject({
      model_prediction: { prediction: { model: { name: 'tiny-sentiment', version: '2' } } },
    });
  });

  it("answers OIP infer, metadata and readiness exactly as the predictor's own routes do", async () => {
    const plain = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, -2, 3] },
        { name: 'k', datatype: 'INT32', shape: [2], data: [4, 5] },
      ],
    };
    const cases: [string, unknown][] = [
      ['/v2/models/tiny-sentiment/infer', texts],
      ['/v2/models/tiny-sentiment/versions/1/infer', texts],
      ['/v2/models/tensor-demo/infer', plain],
    ];
    for (const [path, body] of cases) {
      const through = await postJson(`${gateway.url}${path}`, body, AUTH);
      const direct = await postJson(`${predictor.httpUrl}${path}`, body);
      expect(direct.status).toBe(200);
      expect(through.status).toBe(200);
      expect(through.body).toEqual(direct.body);
      expect(through.headers.get('x-request-id')).toBeTruthy();
    }
    for (const path of [
      '/v2/models/tiny-sentiment',
      '/v2/models/tiny-sentiment/versions/1',
      '/v2/models/tiny-sentiment/ready',
      '/v2/models/tensor-demo/versions/1/ready',
    ]) {
      const through = await getJson(`${gateway.url}${path}`, AUTH);
      const direct = await getJson(`${predictor.httpUrl}${path}`);
      expect(through.status).toBe(200);
      expect(through.body).toEqual(direct.body);
    }
  });

  it('records an infer request in the input log: its JSON body, the model and version asked for', async () => {
    const answer = await postJson(
      `${gateway.url}/v2/models/tiny-sentiment/versions/1/infer`,
      texts,
      AUTH,
    );
    const id = answer.headers.get('x-request-id') ?? '';
    const record = await getJson(`${gateway.url}/logs/${id}`, AUTH);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      id,
      kind: 'infer',
      model: 'tiny-sentiment',
      model_version: '1',
      forward_to_model: true,
      redaction: 'none',
    });
    expect(JSON.parse(String(record.body['data']))).toEqual(texts);
  });

  it('answers an unknown model or version with a 404 MODEL_NOT_FOUND problem, never a 5xx', async () => {
    const refusals = await Promise.all([
      postJson(`${gateway.url}/v2/models/nope/infer`, texts, AUTH),
      postJson(`${gateway.url}/v2/models/tiny-sentiment/versions/9/infer`, texts, AUTH),
      getJson(`${gateway.url}/v2/models/nope`, AUTH),
      getJson(`${gateway.url}/v2/models/nope/ready`, AUTH),
      postJson(`${gateway.url}/process`, { data: 'x', model: 'nope' }, AUTH),
      postJson(
        `${gateway.url}/process`,
        { data: 'x', model: 'tiny-sentiment', model_version: '9' },
        AUTH,
      ),
    ]);
    for (const refused of refusals) {
      expect(refused.status).toBe(404);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });
    }
  });

  it('answers bad tensors and bad model fields with a 400 problem', async () => {
    const bad = [
      { inputs: [{ name: 'text', datatype: 'FP32', shape: [1], data: [1] }] },
      { inputs: [{ name: 'text', datatype: 'BYTES', shape: [3], data: ['a'] }] },
      { inputs: [{ name: 'nope', datatype: 'BYTES', shape: [1], data: ['a'] }] },
      { inputs: [] },
    ];
    for (const body of bad) {
      const refused = await postJson(`${gateway.url}/v2/models/tiny-sentiment/infer`, body, AUTH);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
    const badFields = await postJson(
      `${gateway.url}/process`,
      { data: 'x', model_version: '1' },
      AUTH,
    );
    expect(badFields.status).toBe(400);
    expect(badFields.body['errors']).toEqual([expect.stringMatching(/^model_version: /)]);
  });

  it('refuses every model route without the API key (401)', async () => {
    const refusals = await Promise.all([
      postJson(`${gateway.url}/v2/models/tiny-sentiment/infer`, texts),
      getJson(`${gateway.url}/v2/models/tiny-sentiment`),
      getJson(`${gateway.url}/v2/models/tiny-sentiment/versions/1/ready`),
      postJson(`${gateway.url}/process`, { data: 'x', model: 'tiny-sentiment' }),
    ]);
    for (const refused of refusals) {
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('answers the usual 503 once the predictor is down', async () => {
    await predictor.process.stop();
    const refused = await postJson(`${gateway.url}/v2/models/tiny-sentiment/infer`, texts, AUTH);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(String(refused.body['detail'])).toMatch(/^Predictor is unavailable/);
  });
});
