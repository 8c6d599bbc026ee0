import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';
import { recordFigure } from './support/load';
import { waitFor } from '@ml-system/test-support';

const BREAKER_OPEN_MS = 2_000;

describe('predictor down and back, end to end', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  beforeAll(async () => {
    predictor = await startPredictor();
    gateway = await startGateway([predictor.tcpPort], { BREAKER_OPEN_MS: String(BREAKER_OPEN_MS) });
  });

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  /** Starts the predictor again on its ports; resolves once it is ready, with that moment. */
  async function restartPredictor(): Promise<number> {
    predictor = await startPredictor({
      tcpPort: predictor.tcpPort,
      httpPort: Number(new URL(predictor.httpUrl).port),
    });
    return Date.now();
  }

  /** Posts until a forwarded request succeeds; the time that took. */
  async function timeToFirst200(): Promise<number> {
    const started = Date.now();
    await waitFor(
      'forwarding to work again',
      async () => (await postJson(`${gateway.url}/process`, { data: 'a parrot' })).status === 200,
      { timeoutMs: BREAKER_OPEN_MS + 5_000 },
    );
    return Date.now() - started;
  }

  it('answers 503 within 1 s when the predictor is killed, still logs inputs, and recovers within 1 s of its restart', async () => {
    expect((await postJson(`${gateway.url}/process`, { data: 'a parrot' })).status).toBe(200);

    await predictor.process.kill();

    const refused = await postJson(`${gateway.url}/process`, { data: 'a parrot' });
    recordFigure('killed: time to 503 (ms)', Math.round(refused.elapsedMs));
    expect(refused.status).toBe(503);
    expect(refused.elapsedMs).toBeLessThan(1_000);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'PREDICTOR_UNAVAILABLE' });
    expect(String(refused.body['detail'])).toMatch(/^Predictor is unavailable/);

    const logged = await postJson(`${gateway.url}/process`, {
      data: 'a parrot',
      forward_to_model: false,
    });
    expect(logged.status).toBe(200);

    const health = await getJson(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'degraded',
      error: {
        predictor: {
          status: 'down',
          endpoints: [
            {
              address: `127.0.0.1:${predictor.tcpPort}`,
              status: 'down',
              breaker: 'closed',
              consecutive_failures: 3,
              last_error: 'Predictor is unavailable: connection refused',
            },
          ],
        },
      },
    });
    expect((await getJson(`${gateway.url}/health/ready`)).status).toBe(200);

    // Three failed attempts (one request and its two retries): under BREAKER_FAILURES, the breaker stayed closed.
    await restartPredictor();
    const recovery = await timeToFirst200();
    recordFigure('restart, breaker closed: recovery after ready (ms)', recovery);
    expect(recovery).toBeLessThan(1_000);
  });

  it('with the breaker open, answers CIRCUIT_OPEN at once and recovers within BREAKER_OPEN_MS + 1 s of the restart', async () => {
    await predictor.process.kill();
    // Two requests, three attempts each: six failures open the breaker (BREAKER_FAILURES = 5).
    for (let i = 0; i < 2; i += 1) {
      expect((await postJson(`${gateway.url}/process`, { data: 'a parrot' })).status).toBe(503);
    }
    const open = await postJson(`${gateway.url}/process`, { data: 'a parrot' });
    recordFigure('breaker open: time to 503 (ms)', Math.round(open.elapsedMs));
    expect(open.status).toBe(503);
    expect(open.body).toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(String(open.body['detail'])).toMatch(/^Predictor is unavailable/);
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(open.headers.get('retry-after'))).toBeLessThanOrEqual(BREAKER_OPEN_MS / 1000);
    expect(open.elapsedMs).toBeLessThan(200);

    await restartPredictor();
    const recovery = await timeToFirst200();
    recordFigure('restart, breaker open: recovery after ready (ms)', recovery);
    expect(recovery).toBeLessThan(BREAKER_OPEN_MS + 1_000);
    const health = await getJson(`${gateway.url}/health`);
    expect(health.body).toMatchObject({
      status: 'healthy',
      details: {
        predictor: { status: 'up', endpoints: [{ breaker: 'closed', consecutive_failures: 0 }] },
      },
    });
  });
});
