import { NodeProcess, freePort, waitFor } from '@ml-system/test-support';
import { recordFigure } from './support/load';
import { GATEWAY_MAIN, getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

interface EndpointHealth {
  address: string;
  target: string;
  status: string;
  in_flight: number;
}

async function endpointsOf(gateway: GatewayHandle): Promise<EndpointHealth[]> {
  const health = await getJson(`${gateway.url}/health`);
  const body = health.body as { details: { predictor: { endpoints: EndpointHealth[] } } };
  return body.details.predictor.endpoints;
}

describe('the predictor endpoint pool, end to end', () => {
  let predictor: PredictorHandle;
  const gateways: GatewayHandle[] = [];

  beforeAll(async () => {
    predictor = await startPredictor();
  });

  afterAll(async () => {
    predictor?.process.signal('SIGCONT');
    await Promise.all(gateways.map((g) => g.process.stop()));
    await predictor?.process.stop();
  });

  it('resolves a host name in PREDICTOR_ENDPOINTS to its addresses', async () => {
    const port = await freePort();
    const process = NodeProcess.start('gateway', GATEWAY_MAIN, {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      PREDICTOR_ENDPOINTS: `localhost:${predictor.tcpPort}`,
      LOG_LEVEL: 'warn',
    });
    const gateway = { process, url: `http://127.0.0.1:${port}` };
    gateways.push(gateway);
    await process.waitForHttp(`${gateway.url}/health/ready`);

    expect((await postJson(`${gateway.url}/process`, { data: 'a kitten' })).status).toBe(200);
    const endpoints = await endpointsOf(gateway);
    // localhost may also resolve to ::1, where nothing listens: that endpoint is simply down.
    expect(endpoints).toContainEqual(
      expect.objectContaining({
        address: `127.0.0.1:${predictor.tcpPort}`,
        target: `localhost:${predictor.tcpPort}`,
        status: 'up',
      }),
    );
  });

  it('answers 503 OVERLOADED at once beyond MAX_IN_FLIGHT instead of queueing', async () => {
    const gateway = await startGateway([predictor.tcpPort], { MAX_IN_FLIGHT: '2' });
    gateways.push(gateway);
    expect((await postJson(`${gateway.url}/process`, { data: 'a kitten' })).status).toBe(200);

    // A frozen predictor holds the two allowed calls until their attempt timeout.
    predictor.process.signal('SIGSTOP');
    try {
      const held = [1, 2].map(() => postJson(`${gateway.url}/process`, { data: 'a kitten' }));
      await waitFor(
        'both calls to be in flight',
        async () => (await endpointsOf(gateway))[0]?.in_flight === 2,
      );
      const refused = await postJson(`${gateway.url}/process`, { data: 'a kitten' });
      recordFigure('overloaded: time to 503 (ms)', Math.round(refused.elapsedMs));
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'OVERLOADED' });
      expect(String(refused.body['detail'])).toMatch(/^Predictor is unavailable/);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.elapsedMs).toBeLessThan(200);
      expect((await Promise.all(held)).map((r) => r.status)).toEqual([504, 504]);
    } finally {
      predictor.process.signal('SIGCONT');
    }
  });
});
