import { ClientTCP } from '@nestjs/microservices';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { firstValueFrom, timeout } from 'rxjs';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictionResult, PredictorHealthReply } from '@ml-system/contracts';
import { createTestPki } from '@ml-system/test-support';
import type { TestIdentity, TestPki } from '@ml-system/test-support';
import type { RunningPredictor } from '../bootstrap';
import { FakeModel } from '../testing/fake-model';
import { startTestPredictor } from '../testing/predictor-test-app';

const STALL_MS = 300;
const meta = () => ({ request_id: 'tls-1', deadline: Date.now() + 5_000 });

/** Client options of a gateway: its identity, and the CA the predictor's certificate must chain to. */
function clientTls(identity: TestIdentity | undefined, serverCa: string): ConnectionOptions {
  return {
    ca: readFileSync(serverCa),
    ...(identity ? { cert: readFileSync(identity.cert), key: readFileSync(identity.key) } : {}),
    rejectUnauthorized: true,
  };
}

/** Resolves with what the peer sent before it closed `socket`. */
function closed(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
  });
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(received);
    socket.once('close', () => resolve(received));
  });
}

function tlsSocket(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ ...options, host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('predictor TCP with mutual TLS (real sockets)', () => {
  let pki: TestPki;
  let predictor: RunningPredictor;
  const model = new FakeModel();
  const clients: ClientTCP[] = [];
  const saved = { ...process.env };

  const client = (options: ConnectionOptions | undefined): ClientTCP => {
    const made = new ClientTCP({
      host: '127.0.0.1',
      port: predictor.tcpPort,
      ...(options ? { tlsOptions: options } : {}),
    });
    // ClientTCP logs every socket error through Nest's logger; the refusals are the point here.
    (made as unknown as { handleError: () => void }).handleError = () => undefined;
    clients.push(made);
    return made;
  };

  const predict = (via: ClientTCP, input = 'my cat purrs') =>
    firstValueFrom(
      via
        .send<PredictionResult>(PREDICTOR_PATTERNS.predict, { payload: { input }, meta: meta() })
        .pipe(timeout(5_000)),
    );

  beforeAll(async () => {
    pki = createTestPki();
    predictor = await startTestPredictor(model, {
      // The CA that issued the allowed clients' certificates, and the predictor's own identity.
      RPC_TLS_CA: pki.client.ca,
      RPC_TLS_CERT: pki.server.cert,
      RPC_TLS_KEY: pki.server.key,
      RPC_INCOMPLETE_FRAME_TIMEOUT_MS: String(STALL_MS),
    });
  });

  afterAll(async () => {
    for (const made of clients) made.close();
    await predictor.app.close();
    pki.cleanup();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('serves a client whose certificate the CA issued, verifying the predictor in turn', async () => {
    const gateway = client(clientTls(pki.client, pki.server.ca));
    const result = await predict(gateway);
    expect(result.prediction).toMatchObject({ class: 'cat', input_length: 12 });
    const health = await firstValueFrom(
      gateway
        .send<PredictorHealthReply>(PREDICTOR_PATTERNS.health, { payload: {}, meta: meta() })
        .pipe(timeout(5_000)),
    );
    expect(health).toMatchObject({ status: 'up', ready: true });
  });

  it.each([
    ['a plaintext client', () => undefined],
    [
      'a client with a certificate from another CA',
      () => clientTls(pki.rogueClient, pki.server.ca),
    ],
    ['a client without a certificate', () => clientTls(undefined, pki.server.ca)],
  ])('refuses %s before any message reaches the model', async (_what, options) => {
    const before = model.calls;
    const refused = predict(client(options()));
    await expect(refused).rejects.toThrow(/Connection closed|socket|ECONNRESET|alert|certificate/i);
    await expect(refused).rejects.not.toThrow(/Timeout/);
    expect(model.calls).toBe(before);
  });

  it('is refused by a client that does not trust the predictor certificate', async () => {
    await expect(predict(client(clientTls(pki.client, pki.rogueServer.ca)))).rejects.toBeDefined();
  });

  it('closes a raw plaintext frame without answering it', async () => {
    const socket = connectTcp(predictor.tcpPort, '127.0.0.1');
    const answer = closed(socket);
    const frame = JSON.stringify({
      pattern: PREDICTOR_PATTERNS.health,
      data: { payload: {}, meta: meta() },
      id: '1',
    });
    socket.write(`${frame.length}#${frame}`);
    expect(await answer).not.toContain('"status"');
  });

  it('cuts a client that opens a connection and never completes the handshake', async () => {
    const started = performance.now();
    const socket = connectTcp(predictor.tcpPort, '127.0.0.1');
    socket.write(Buffer.from([0x16, 0x03, 0x01])); // the first bytes of a ClientHello, then nothing
    await closed(socket);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(STALL_MS - 50);
    expect(waited).toBeLessThan(3_000);
  });

  describe('frame limits hold inside TLS', () => {
    const authorised = () => tlsSocket(predictor.tcpPort, clientTls(pki.client, pki.server.ca));

    it('closes a connection that sends garbage, and keeps serving others', async () => {
      const socket = await authorised();
      const done = closed(socket);
      socket.write('this is not a frame#{}');
      await done;
      expect((await predict(client(clientTls(pki.client, pki.server.ca)))).prediction.class).toBe(
        'cat',
      );
    });

    it('closes a connection that announces an oversized frame', async () => {
      const socket = await authorised();
      const done = closed(socket);
      socket.write(`2000000#{"pattern":"${'a'.repeat(1_100_000)}`);
      await done;
    });

    it('closes a connection whose frame stays incomplete', async () => {
      const socket = await authorised();
      const done = closed(socket);
      const started = performance.now();
      socket.write('100#{"pattern":');
      await done;
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(STALL_MS - 50);
      expect(waited).toBeLessThan(3_000);
    });
  });
});
