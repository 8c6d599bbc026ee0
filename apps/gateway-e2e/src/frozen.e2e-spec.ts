import { waitFor } from '@ml-system/test-support';
import { recordFigure } from './support/load';
import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, JsonResponse, PredictorHandle } from './support/system';

const BREAKER_FAILURES = 5;
const BREAKER_OPEN_MS = 2_000;
const PREDICTOR_TIMEOUT_MS = 1_000;
const REQUEST_DEADLINE_MS = 2_500;

interface EndpointHealth {
  breaker: string;
  probe_at: string | null;
  status: string;
}

/** A predictor that stops dead (SIGSTOP): its kernel still accepts connections, nothing answers. */
describe('predictor frozen, end to end', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  beforeAll(async () => {
    predictor = await startPredictor();
    gateway = await startGateway([predictor.tcpPort], {
      BREAKER_FAILURES: String(BREAKER_FAILURES),
      BREAKER_OPEN_MS: String(BREAKER_OPEN_MS),
      PREDICTOR_TIMEOUT_MS: String(PREDICTOR_TIMEOUT_MS),
      REQUEST_DEADLINE_MS: String(REQUEST_DEADLINE_MS),
    });
  });

  afterAll(async () => {
    predictor?.process.signal('SIGCONT');
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  const post = (): Promise<JsonResponse> =>
    postJson(`${gateway.url}/process`, { data: 'a hamster' });
  const endpointHealth = async (): Promise<EndpointHealth> => {
    const body = (await getJson(`${gateway.url}/health`)).body as {
      details: { predictor: { endpoints: EndpointHealth[] } };
    };
    return body.details.predictor.endpoints[0];
  };

  it('times out within the deadline, opens the breaker, fails fast, probes once, and recovers after SIGCONT', async () => {
    expect((await post()).status).toBe(200);
    predictor.process.signal('SIGSTOP');

    // 1. Each call waits one attempt timeout, then 504 (a hung endpoint is not asked twice); never past the deadline.
    const hung = await Promise.all(Array.from({ length: BREAKER_FAILURES }, post));
    recordFigure(
      'frozen: first answers (status, ms)',
      hung.map((r) => [r.status, Math.round(r.elapsedMs)]),
    );
    for (const response of hung) {
      expect([503, 504]).toContain(response.status);
      expect(response.elapsedMs).toBeLessThan(REQUEST_DEADLINE_MS + 250);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

    // 2. Those failures opened the breaker: the next answer is immediate.
    const open = await post();
    recordFigure('frozen: breaker-open answer (ms)', Math.round(open.elapsedMs));
    expect(open.status).toBe(503);
    expect(open.body).toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(open.headers.get('retry-after')).toMatch(/^[12]$/);
    expect(open.elapsedMs).toBeLessThan(200);
    const opened = await endpointHealth();
    expect(opened).toMatchObject({ breaker: 'open', status: 'down' });

    // 3. Half-open: exactly one request becomes the probe and waits; the others fail fast.
    const probeAt = Date.parse(opened.probe_at ?? '');
    await waitFor('the breaker to let a probe through', () => Date.now() >= probeAt, {
      timeoutMs: BREAKER_OPEN_MS + 1_000,
    });
    const halfOpen = await Promise.all(Array.from({ length: 5 }, post));
    recordFigure(
      'frozen: half-open answers (status, code, ms)',
      halfOpen.map((r) => [r.status, r.body['code'], Math.round(r.elapsedMs)]),
    );
    const waited = halfOpen.filter((r) => r.elapsedMs >= PREDICTOR_TIMEOUT_MS - 100);
    const fast = halfOpen.filter((r) => r.elapsedMs < 200);
    expect(waited).toHaveLength(1);
    expect(waited[0]?.status).toBe(504);
    expect(fast).toHaveLength(4);
    for (const response of fast) expect(response.body).toMatchObject({ code: 'CIRCUIT_OPEN' });

    // 4. Thaw: the next probe succeeds and closes the breaker.
    predictor.process.signal('SIGCONT');
    const thawed = Date.now();
    await waitFor('forwarding to work again', async () => (await post()).status === 200, {
      timeoutMs: BREAKER_OPEN_MS + 3_000,
    });
    const recovery = Date.now() - thawed;
    recordFigure('frozen: recovery after SIGCONT (ms)', recovery);
    expect(recovery).toBeLessThan(BREAKER_OPEN_MS + 1_000);
    expect(await endpointHealth()).toMatchObject({ breaker: 'closed', status: 'up' });
  }, 30_000);
});
