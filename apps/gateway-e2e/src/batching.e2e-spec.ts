import { recordFigure, runLoad } from './support/load';
import { postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

const TEXTS = [
  'my cat purrs on the windowsill',
  'the dog fetched the ball again',
  'a parrot that repeats every word',
  'goldfish swimming around the bowl',
  'the bunny hops across the lawn',
];

/** Items the predictor answered as part of predict-many frames, from its own metrics. */
async function itemsServedInFrames(predictor: PredictorHandle): Promise<number> {
  const text = await (await fetch(`${predictor.httpUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('rpc_server_duration_seconds_count{') &&
        l.includes('pattern="predictor.predict-many.v1"') &&
        l.includes('outcome="ok"'),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

async function burst(gateway: GatewayHandle, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      postJson(
        `${gateway.url}/process`,
        { data: TEXTS[i % TEXTS.length] },
        { 'x-request-id': `burst-${i}` },
      ),
    ),
  );
}

describe.each([
  ['on (default)', {}, true],
  ['off (PREDICTOR_COALESCE_MAX=1)', { PREDICTOR_COALESCE_MAX: '1' }, false],
])('batching on the hop %s, real processes', (_name, env: Record<string, string>, batched) => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;
  const alone = new Map<string, unknown>();

  beforeAll(async () => {
    predictor = await startPredictor();
    // One client address at full speed: the rate limit is not what is under test.
    gateway = await startGateway([predictor.tcpPort], { RATE_LIMIT_MAX: '0', ...env });
    // What each text gets when it is sent alone, the reference for the answers under load.
    for (const text of TEXTS) {
      const response = await postJson(`${gateway.url}/process`, { data: text });
      alone.set(text, (response.body.model_prediction as Record<string, unknown>).prediction);
    }
  });

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  it('answers each of a burst of concurrent requests with its own id and the prediction its text gets alone', async () => {
    const responses = await burst(gateway, 60);

    responses.forEach((response, i) => {
      expect(response.status).toBe(200);
      expect(response.body.request_id).toBe(`burst-${i}`);
      const prediction = (response.body.model_prediction as Record<string, unknown>).prediction;
      expect(prediction).toEqual(alone.get(TEXTS[i % TEXTS.length] ?? ''));
    });
  });

  it(`${batched ? 'serves' : 'never serves'} requests in predict-many frames under sustained concurrent load`, async () => {
    const before = await itemsServedInFrames(predictor);
    // A burst can arrive one request per event-loop turn; 32 clients in a closed loop cannot for long.
    // Each loop sends its own text, so an answer handed to the wrong item of a frame shows.
    const textOf = (worker: number): string => TEXTS[worker % TEXTS.length] ?? '';
    const report = await runLoad(`${gateway.url}/process`, {
      workers: 32,
      maxMs: 1_500,
      bodyOf: (worker) => ({ data: textOf(worker) }),
      check: (worker, answer) => {
        const prediction = (answer as { model_prediction?: { prediction?: unknown } })
          .model_prediction?.prediction;
        return JSON.stringify(prediction) === JSON.stringify(alone.get(textOf(worker)));
      },
    });
    const inFrames = (await itemsServedInFrames(predictor)) - before;
    recordFigure(`batching ${batched ? 'on' : 'off'}: requests / served in frames`, [
      report.total,
      inFrames,
    ]);
    expect(report.statuses).toEqual({ '200': report.total });
    expect(report.wrong).toBe(0);
    if (batched) expect(inFrames).toBeGreaterThan(0);
    else expect(inFrames).toBe(0);
  });
});
