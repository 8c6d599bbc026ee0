import { MAX_BATCH_SIZE } from '@ml-system/contracts';
import type { BatchPredictionResult, ModelInfo } from '@ml-system/contracts';
import type { RunningPredictor } from '../bootstrap';
import { FakeModel } from '../testing/fake-model';
import { startTestPredictor } from '../testing/predictor-test-app';

/** The predictor's own HTTP face, over a real socket: batch and model metadata. */
describe('PredictController over HTTP (real sockets)', () => {
  let predictor: RunningPredictor;
  const model = new FakeModel();
  const saved = { ...process.env };

  beforeAll(async () => {
    predictor = await startTestPredictor(model);
  });

  afterAll(async () => {
    await predictor.app.close();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  async function postBatch(
    inputs: unknown,
  ): Promise<{ status: number; type: string; body: unknown }> {
    const response = await fetch(`${predictor.httpUrl}/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: await response.json(),
    };
  }

  it('answers POST /predict/batch with one prediction per input, in order', async () => {
    const { status, body } = await postBatch(['my dog barks', 'a bird sings']);
    expect(status).toBe(200);
    const result = body as BatchPredictionResult;
    expect(result.predictions.map((p) => p.prediction.class)).toEqual(['dog', 'bird']);
    expect(result.predictions[0]).toMatchObject({
      prediction: { input_length: 12, model: { name: 'fake-model', version: '0.0.1' } },
      message: expect.stringMatching(/^Predicted class: dog with /),
    });
  });

  it(`takes ${MAX_BATCH_SIZE} inputs in one batch`, async () => {
    const { status, body } = await postBatch(
      Array.from({ length: MAX_BATCH_SIZE }, () => 'a fish'),
    );
    expect(status).toBe(200);
    expect((body as BatchPredictionResult).predictions).toHaveLength(MAX_BATCH_SIZE);
  });

  it(`refuses ${MAX_BATCH_SIZE + 1} inputs with a 400 problem, before the model sees any`, async () => {
    const calls = model.calls;
    const { status, type, body } = await postBatch(
      Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'a fish'),
    );
    expect(status).toBe(400);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({ status: 400, detail: expect.stringMatching(/inputs/) });
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(js|ts):\d+/);
    expect(model.calls).toBe(calls);
  });

  it('refuses an empty batch and a batch holding a non-string with a 400 problem', async () => {
    for (const inputs of [[], ['a cat', 42], 'a cat']) {
      const { status, type } = await postBatch(inputs);
      expect({ inputs, status }).toEqual({ inputs, status: 400 });
      expect(type).toMatch(/^application\/problem\+json/);
    }
  });

  it("answers GET /model with the loaded model's name, version, classes and metadata", async () => {
    const response = await fetch(`${predictor.httpUrl}/model`);
    expect(response.status).toBe(200);
    const info = (await response.json()) as ModelInfo;
    expect(info).toEqual({
      name: 'fake-model',
      version: '0.0.1',
      classes: ['cat', 'dog', 'bird', 'fish', 'rabbit'],
      metadata: { kind: 'fake' },
    });
  });
});
