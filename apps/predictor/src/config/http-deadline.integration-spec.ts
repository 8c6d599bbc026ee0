import type { RunningPredictor } from '../bootstrap';
import { ModelServingError } from '../model/model-errors';
import type { ModelOutput, ModelPort, TensorSpec } from '../model/model.port';
import type { Tensor } from '../model/tensors';
import { FakeModel } from '../testing/fake-model';
import { startTestPredictor } from '../testing/predictor-test-app';

const TIMEOUT_MS = 1_234;

/**
 * Takes text and one FP32 tensor, keeps the deadline each call was given,
 * and refuses as a queueing model does once it is told the text or value
 * means "late".
 */
class DeadlineModel implements ModelPort {
  private readonly text = new FakeModel();
  readonly name = this.text.name;
  readonly version = this.text.version;
  readonly classes = this.text.classes;
  readonly metadata = {};
  readonly platform = 'fake';
  readonly inputs: readonly TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1] }];
  readonly outputs: readonly TensorSpec[] = [{ name: 'y', datatype: 'FP32', shape: [-1] }];
  readonly deadlines: (number | undefined)[] = [];

  predict(inputs: readonly string[], deadline?: number): Promise<ModelOutput[]> {
    this.deadlines.push(deadline);
    if (inputs.includes('late')) return Promise.reject(passed());
    return this.text.predict(inputs);
  }

  infer(
    inputs: ReadonlyMap<string, Tensor>,
    _outputs?: readonly string[],
    deadline?: number,
  ): Promise<Tensor[]> {
    this.deadlines.push(deadline);
    const x = inputs.get('x');
    if (!x) return Promise.reject(new Error('no x'));
    if (x.data[0] === -1) return Promise.reject(passed());
    return Promise.resolve([{ name: 'y', type: 'float32', dims: x.dims, data: x.data }]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const passed = (): ModelServingError =>
  new ModelServingError('DEADLINE_EXCEEDED', 'the request deadline passed before the model ran');

// The HTTP face has no deadline in its requests, so it gives each one
// HTTP_INFER_TIMEOUT_MS: here over real sockets, on all three model routes.
describe('the deadline of an HTTP request to a model (real sockets)', () => {
  let predictor: RunningPredictor;
  const model = new DeadlineModel();
  const saved = { ...process.env };

  beforeAll(async () => {
    predictor = await startTestPredictor(model, { HTTP_INFER_TIMEOUT_MS: String(TIMEOUT_MS) });
  });

  afterAll(async () => {
    await predictor.app.close();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  const post = async (
    path: string,
    body: unknown,
  ): Promise<{ status: number; type: string; body: Record<string, unknown> }> => {
    const response = await fetch(`${predictor.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const tensor = (value: number) => ({
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [value] }],
  });

  it.each([
    ['/predict', { input: 'my dog' }],
    ['/predict/batch', { inputs: ['my dog', 'a cat'] }],
    ['/v2/models/fake-model/infer', tensor(1)],
    ['/v2/models/fake-model/versions/1/infer', tensor(1)],
  ])('gives %s a deadline of now + HTTP_INFER_TIMEOUT_MS', async (path, body) => {
    const before = Date.now();
    const reply = await post(path, body);
    const after = Date.now();
    expect(reply.status).toBe(200);
    const deadline = model.deadlines.at(-1);
    expect(deadline).toBeGreaterThanOrEqual(before + TIMEOUT_MS);
    expect(deadline).toBeLessThanOrEqual(after + TIMEOUT_MS);
  });

  it('answers a request its model dropped as late with 504 on both faces', async () => {
    const predict = await post('/predict', { input: 'late' });
    expect(predict.status).toBe(504);
    expect(predict.type).toContain('application/problem+json');
    expect(predict.body).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED' });

    const infer = await post('/v2/models/fake-model/infer', tensor(-1));
    expect(infer).toMatchObject({
      status: 504,
      body: { error: 'the request deadline passed before the model ran' },
    });
  });
});
