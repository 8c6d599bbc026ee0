import type { RunningPredictor } from '../bootstrap';
import { startTestPredictor } from '../testing/predictor-test-app';
import { TEST_REPOSITORY } from '../testing/test-models';

// The predictor as main.ts builds it from its environment (MODEL_REPOSITORY,
// DEFAULT_MODEL), over real HTTP: the per-model metrics.

describe('per-model metrics (real HTTP, the repository named by the environment)', () => {
  let predictor: RunningPredictor;

  const metricValue = async (line: string): Promise<number | undefined> => {
    const text = await (await fetch(`${predictor.httpUrl}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };

  beforeAll(async () => {
    predictor = await startTestPredictor(null, {
      MODEL_REPOSITORY: TEST_REPOSITORY,
      DEFAULT_MODEL: 'tiny-sentiment',
      MODEL_REPOSITORY_POLL_MS: '0',
    });
  }, 60_000);

  afterAll(() => predictor?.app.close());

  it('counts requests by model, version and outcome, and observes runs, waits and rows', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${predictor.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/predict/batch', { inputs: ['good', 'bad', 'fun'] })).status).toBe(200);
    expect(
      (
        await post('/v2/models/tensor-demo/infer', {
          inputs: [
            { name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
            { name: 'k', datatype: 'INT32', shape: [1], data: [1] },
          ],
        })
      ).status,
    ).toBe(200);
    expect((await post('/v2/models/tensor-demo/infer', { inputs: [{ name: 'z' }] })).status).toBe(
      400,
    );

    const labels = (model: string, version: string) => `{model="${model}",version="${version}"}`;
    expect(
      await metricValue('model_requests_total{model="tiny-sentiment",version="2",outcome="ok"}'),
    ).toBe(1);
    expect(
      await metricValue('model_requests_total{model="tensor-demo",version="1",outcome="ok"}'),
    ).toBe(1);
    expect(
      await metricValue(
        'model_requests_total{model="tensor-demo",version="1",outcome="INVALID_INPUT"}',
      ),
    ).toBe(1);
    // The warm-up run counts too: one more run than requests.
    expect(
      await metricValue(`model_run_duration_seconds_count${labels('tiny-sentiment', '2')}`),
    ).toBe(2);
    expect(
      await metricValue(`model_queue_duration_seconds_count${labels('tensor-demo', '1')}`),
    ).toBe(2);
    expect(await metricValue(`model_batch_size_sum${labels('tiny-sentiment', '2')}`)).toBe(1 + 3);
  });

  it('shows the load state of every version', async () => {
    expect(
      await metricValue('model_version_state{model="tiny-sentiment",version="1",state="READY"}'),
    ).toBe(1);
    expect(
      await metricValue('model_version_state{model="busy",version="1",state="UNAVAILABLE"}'),
    ).toBe(0);
  });
});
