import { createTestPki } from '@ml-system/test-support';
import type { TestPki } from '@ml-system/test-support';
import { postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

const KEY = 'e2e-key-0123456789abcdef';

describe('security end to end: API keys and mutual TLS between the built apps', () => {
  let pki: TestPki;
  let predictor: PredictorHandle;
  const gateways: GatewayHandle[] = [];

  /** A gateway in front of the TLS predictor, with the given TLS identity (none: plaintext). */
  async function gatewayWith(
    identity: { cert: string; key: string } | undefined,
  ): Promise<GatewayHandle> {
    const gateway = await startGateway([predictor.tcpPort], {
      API_KEYS: KEY,
      ...(identity
        ? { RPC_TLS_CA: pki.server.ca, RPC_TLS_CERT: identity.cert, RPC_TLS_KEY: identity.key }
        : {}),
    });
    gateways.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    pki = createTestPki();
    predictor = await startPredictor(
      {},
      { RPC_TLS_CA: pki.client.ca, RPC_TLS_CERT: pki.server.cert, RPC_TLS_KEY: pki.server.key },
    );
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.process.stop();
    await predictor?.process.stop();
    pki?.cleanup();
  });

  it('classifies over mutual TLS with a valid key, and refuses a request without one', async () => {
    const gateway = await gatewayWith(pki.client);
    const refused = await postJson(`${gateway.url}/process`, { data: 'my cat purrs' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    const answered = await postJson(
      `${gateway.url}/process`,
      { data: 'my cat purrs' },
      { authorization: `Bearer ${KEY}` },
    );
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ model_prediction: { prediction: { class: 'cat' } } });
  });

  it.each([
    ['a certificate from another CA', () => pki.rogueClient],
    ['no TLS at all', () => undefined],
  ])('answers 503 when the gateway comes with %s', async (_what, identity) => {
    const gateway = await gatewayWith(identity());
    const answer = await postJson(
      `${gateway.url}/process`,
      { data: 'my cat purrs' },
      { 'x-api-key': KEY },
    );
    expect(answer.status).toBe(503);
    expect(String(answer.body['detail'])).toMatch(/^Predictor is unavailable: /);
  });
});
