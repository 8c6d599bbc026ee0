import { Logger } from '@nestjs/common';
import { ServerTCP } from '@nestjs/microservices';
import type { TlsOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictionResult } from '@ml-system/contracts';
import { createTestPki, freePort, waitFor } from '@ml-system/test-support';
import type { TestIdentity, TestPki } from '@ml-system/test-support';
import { startGateway } from '../bootstrap';
import type { RunningGateway } from '../bootstrap';
import { makeTempDir, removeTempDir } from '../testing/temp-dir';

const CAT: PredictionResult = {
  prediction: {
    class: 'cat',
    confidence: 0.93,
    input_length: 3,
    model: { name: 'stub', version: '1' },
  },
  message: 'Predicted class: cat with 93.0% confidence',
};

/**
 * A stand-in predictor: Nest's own TCP server (the transport the real one
 * uses), over TLS when `tls` is given, answering the predict and health
 * patterns.
 */
async function startStub(
  tls: TlsOptions | undefined,
): Promise<{ port: number; close: () => void }> {
  const port = await freePort();
  const server = new ServerTCP({ host: '127.0.0.1', port, ...(tls ? { tlsOptions: tls } : {}) });
  server.addHandler(PREDICTOR_PATTERNS.predict, async () => CAT);
  server.addHandler(PREDICTOR_PATTERNS.health, async () => ({
    status: 'up',
    ready: true,
    model: { name: 'stub', version: '1' },
    uptime_s: 1,
  }));
  await new Promise<void>((resolve, reject) =>
    server.listen((error) => (error instanceof Error ? reject(error) : resolve())),
  );
  return { port, close: () => server.close() };
}

/** Server options of a predictor: its identity, and the CA its clients' certificates must chain to. */
function serverTls(identity: TestIdentity, clientCa: string): TlsOptions {
  return {
    ca: readFileSync(clientCa),
    cert: readFileSync(identity.cert),
    key: readFileSync(identity.key),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
}

describe('gateway → predictor over mutual TLS (real sockets)', () => {
  let pki: TestPki;
  const saved = { ...process.env };
  const running: Array<{ close: () => unknown }> = [];

  beforeAll(() => {
    Logger.overrideLogger(false);
    pki = createTestPki();
  });

  afterEach(async () => {
    for (const item of running.splice(0)) await item.close();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  afterAll(() => {
    pki.cleanup();
  });

  /** A real gateway (real PredictorClient) in front of `port`, with the gateway's TLS identity `identity`. */
  async function gatewayTo(
    port: number,
    identity: TestIdentity | undefined,
    extraEnv: Record<string, string> = {},
  ): Promise<RunningGateway> {
    const inputLog = await makeTempDir('rpc-tls');
    running.push({ close: () => removeTempDir(inputLog) });
    Object.assign(process.env, {
      INPUT_LOG_DIR: inputLog,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      PREDICTOR_ENDPOINTS: `127.0.0.1:${port}`,
      RATE_LIMIT_MAX: '0',
      ...(identity
        ? { RPC_TLS_CA: pki.server.ca, RPC_TLS_CERT: identity.cert, RPC_TLS_KEY: identity.key }
        : {}),
      ...extraEnv,
    });
    const gateway = await startGateway();
    // Closed before its input log directory is removed (closers run in order).
    running.unshift({ close: () => gateway.app.close() });
    // Inputs are accepted once the input log has recovered its directory.
    await waitFor(
      'the gateway to be ready',
      async () => (await fetch(`${gateway.url}/health/ready`)).ok,
    );
    return gateway;
  }

  const postProcess = async (gateway: RunningGateway) => {
    const response = await fetch(`${gateway.url}/process`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: 'cat' }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('classifies through a predictor that requires and verifies the gateway certificate', async () => {
    const stub = await startStub(serverTls(pki.server, pki.client.ca));
    running.push(stub);
    const gateway = await gatewayTo(stub.port, pki.client);
    const answer = await postProcess(gateway);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model_prediction: CAT });
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'healthy' });
  });

  it('checks the predictor certificate against RPC_TLS_SERVERNAME when it is set', async () => {
    const stub = await startStub(serverTls(pki.server, pki.client.ca));
    running.push(stub);
    // The certificate names localhost (and 127.0.0.1), not predictor.other.
    const right = await gatewayTo(stub.port, pki.client, { RPC_TLS_SERVERNAME: 'localhost' });
    expect((await postProcess(right)).status).toBe(200);
    const wrong = await gatewayTo(stub.port, pki.client, { RPC_TLS_SERVERNAME: 'predictor.other' });
    expect((await postProcess(wrong)).status).toBe(503);
  });

  it('answers 503 when the predictor presents a certificate from another CA', async () => {
    const stub = await startStub(serverTls(pki.rogueServer, pki.client.ca));
    running.push(stub);
    const gateway = await gatewayTo(stub.port, pki.client);
    const answer = await postProcess(gateway);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      code: 'PREDICTOR_UNAVAILABLE',
      detail: expect.stringMatching(/^Predictor is unavailable: /),
    });
  });

  it('answers 503 when the predictor refuses the gateway certificate', async () => {
    // The predictor trusts only client certificates of the rogue CA.
    const stub = await startStub(serverTls(pki.server, pki.rogueClient.ca));
    running.push(stub);
    const gateway = await gatewayTo(stub.port, pki.client);
    const answer = await postProcess(gateway);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      code: 'PREDICTOR_UNAVAILABLE',
      detail: expect.stringMatching(/^Predictor is unavailable: /),
    });
  });

  it('answers 503 when the predictor speaks plaintext: TLS is never downgraded', async () => {
    const stub = await startStub(undefined);
    running.push(stub);
    const gateway = await gatewayTo(stub.port, pki.client);
    const answer = await postProcess(gateway);
    expect(answer.status).toBe(503);
  });

  it('answers 503 when a plaintext gateway meets a TLS predictor', async () => {
    const stub = await startStub(serverTls(pki.server, pki.client.ca));
    running.push(stub);
    const gateway = await gatewayTo(stub.port, undefined);
    const answer = await postProcess(gateway);
    expect(answer.status).toBe(503);
  });
});
