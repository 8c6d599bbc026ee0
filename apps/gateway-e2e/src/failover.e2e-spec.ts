import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';
import { waitFor } from '@ml-system/test-support';

describe('predictor down and back, end to end', () => {
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

  it('answers 503 within 1 s when the predictor is killed, still logs inputs, and recovers by itself', async () => {
    expect((await postJson(`${gateway.url}/process`, { data: 'a parrot' })).status).toBe(200);

    await predictor.process.kill();

    const refused = await postJson(`${gateway.url}/process`, { data: 'a parrot' });
    expect(refused.status).toBe(503);
    expect(refused.elapsedMs).toBeLessThan(1_000);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(refused.body).toMatchObject({ code: 'PREDICTOR_UNAVAILABLE' });
    expect(String(refused.body['detail'])).toMatch(/^Predictor is unavailable/);

    const logged = await postJson(`${gateway.url}/process`, { data: 'a parrot', forward_to_model: false });
    expect(logged.status).toBe(200);

    const health = await getJson(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded' });
    expect((await getJson(`${gateway.url}/health/ready`)).status).toBe(200);

    const restarted = Date.now();
    predictor = await startPredictor({
      tcpPort: predictor.tcpPort,
      httpPort: Number(new URL(predictor.httpUrl).port),
    });
    const recovered = await waitFor(
      'forwarding to work again',
      async () => (await postJson(`${gateway.url}/process`, { data: 'a parrot' })).status === 200,
      { timeoutMs: 5_000 },
    );
    expect(recovered).toBe(true);
    expect(Date.now() - restarted).toBeLessThan(5_000);
  });
});
