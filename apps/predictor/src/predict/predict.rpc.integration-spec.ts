import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictionResult, PredictorHealthReply } from '@ml-system/contracts';
import { waitFor } from '@ml-system/test-support';
import type { RunningPredictor } from '../bootstrap';
import { FakeModel } from '../testing/fake-model';
import { rpcClient, startTestPredictor } from '../testing/predictor-test-app';
import type { TestRpcClient } from '../testing/predictor-test-app';

const meta = (deadlineInMs = 5_000) => ({
  request_id: 'it-1',
  deadline: Date.now() + deadlineInMs,
});

/** Resolves when the peer closes `socket`. */
function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.once('close', () => resolve());
  });
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('predictor TCP transport (real sockets)', () => {
  let predictor: RunningPredictor;
  let client: TestRpcClient;
  const model = new FakeModel();

  const send = <T>(pattern: string, message: unknown, ms = 5_000): Promise<T> =>
    client.send<T>(pattern, message, ms);

  beforeAll(async () => {
    predictor = await startTestPredictor(model, { RPC_INCOMPLETE_FRAME_TIMEOUT_MS: '300' });
    client = rpcClient(predictor);
  });

  afterAll(async () => {
    client.close();
    await predictor.app.close();
  });

  it('answers predict with the seed shape', async () => {
    const result = await send<PredictionResult>(PREDICTOR_PATTERNS.predict, {
      payload: { input: 'my dog barks' },
      meta: meta(),
    });
    expect(result.prediction).toMatchObject({ class: 'dog', input_length: 12 });
    expect(result.message).toMatch(/^Predicted class: dog with \d+\.\d% confidence$/);
  });

  it('answers a batch in order', async () => {
    const result = await send<{ predictions: PredictionResult[] }>(
      PREDICTOR_PATTERNS.predictBatch,
      {
        payload: { inputs: ['fish tank', 'rabbit hutch'] },
        meta: meta(),
      },
    );
    expect(result.predictions.map((p) => p.prediction.class)).toEqual(['fish', 'rabbit']);
  });

  it('answers the health pattern through the handler', async () => {
    const reply = await send<PredictorHealthReply>(PREDICTOR_PATTERNS.health, {
      payload: {},
      meta: meta(),
    });
    expect(reply).toMatchObject({ status: 'up', ready: true, model: { name: 'fake-model' } });
  });

  it('drops work whose deadline has passed, before the model runs', async () => {
    const before = model.calls;
    await expect(
      send(PREDICTOR_PATTERNS.predict, { payload: { input: 'cat' }, meta: meta(-1) }),
    ).rejects.toEqual({ code: 'DEADLINE_EXCEEDED', message: expect.any(String) });
    expect(model.calls).toBe(before);
  });

  it.each([
    ['a number as input', { payload: { input: 5 }, meta: meta() }],
    ['no meta', { payload: { input: 'x' } }],
    ['an unknown field', { payload: { input: 'x', extra: true }, meta: meta() }],
    ['a batch over the limit', { payload: { inputs: Array(65).fill('x') }, meta: meta() }],
  ])('refuses %s with INVALID_INPUT', async (_what, message) => {
    const pattern =
      'inputs' in (message.payload as object)
        ? PREDICTOR_PATTERNS.predictBatch
        : PREDICTOR_PATTERNS.predict;
    await expect(send(pattern, message)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('turns a model failure into a bare INTERNAL, without the internal message', async () => {
    await expect(
      send(PREDICTOR_PATTERNS.predict, { payload: { input: 'boom' }, meta: meta() }),
    ).rejects.toEqual({ code: 'INTERNAL', message: 'the predictor failed to handle the message' });
  });

  it('does not lock up under hundreds of concurrent maximum-size inputs', async () => {
    // Regression for @nestjs/microservices >= 11.2.5, which stops reading a
    // socket while its own writes are buffered: both ends stall for good.
    const big = 'x'.repeat(10_000);
    const large = Array.from({ length: 400 }, () =>
      send<PredictionResult>(
        PREDICTOR_PATTERNS.predict,
        { payload: { input: big }, meta: meta(30_000) },
        30_000,
      ),
    );
    const results = await Promise.all(large);
    expect(results.every((r) => r.prediction.input_length === 10_000)).toBe(true);
    const small = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send<PredictionResult>(PREDICTOR_PATTERNS.predict, {
          payload: { input: `cat ${i}` },
          meta: meta(),
        }),
      ),
    );
    expect(small).toHaveLength(50);
  }, 60_000);

  it('closes a connection that sends garbage, and keeps serving others', async () => {
    const socket = await rawSocket(predictor.tcpPort);
    socket.write('this is not a frame#{}');
    await closed(socket);
    const reply = await send<PredictorHealthReply>(PREDICTOR_PATTERNS.health, {
      payload: {},
      meta: meta(),
    });
    expect(reply.status).toBe('up');
  });

  it('closes a connection that announces an oversized frame', async () => {
    const socket = await rawSocket(predictor.tcpPort);
    socket.on('error', () => undefined);
    socket.write(`2000000#{"pattern":"${'a'.repeat(1_100_000)}`);
    await closed(socket);
    const reply = await send<PredictorHealthReply>(PREDICTOR_PATTERNS.health, {
      payload: {},
      meta: meta(),
    });
    expect(reply.status).toBe('up');
  });

  it('keeps a busy connection whose reads never end on a frame boundary', async () => {
    // Regression: the stall clock started at the first partial frame and was
    // not restarted by the frames completing after it, so a healthy stream cut
    // into reads that never end on a frame boundary was closed after the timeout.
    const socket = await rawSocket(predictor.tcpPort);
    let replies = '';
    socket.on('data', (chunk: Buffer) => (replies += chunk.toString('utf8')));
    const frames = Array.from({ length: 20 }, (_, i) => {
      const message = {
        pattern: PREDICTOR_PATTERNS.health,
        data: { payload: {}, meta: meta() },
        id: `f${i}`,
      };
      const body = JSON.stringify(message);
      return `${body.length}#${body}`;
    });
    const stream = frames.join('');
    const boundaries = new Set(frames.map((_, i) => frames.slice(0, i + 1).join('').length));
    // About 40 pieces 30 ms apart (four times the 300 ms timeout), none ending where a frame ends.
    for (let start = 0; start < stream.length;) {
      let end = Math.min(start + Math.ceil(stream.length / 40), stream.length);
      while (end < stream.length && boundaries.has(end)) end += 1;
      socket.write(stream.slice(start, end));
      start = end;
      await sleep(30);
    }
    await waitFor('20 replies', () => (replies.match(/"id":"f\d+"/g) ?? []).length === 20);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('closes a connection whose frame stays incomplete', async () => {
    const socket = await rawSocket(predictor.tcpPort);
    const started = Date.now();
    socket.write('100#{"pattern":');
    await closed(socket);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3_000);
  });
});

describe('predictor TCP shutdown', () => {
  it('closes established connections when the app closes', async () => {
    const predictor = await startTestPredictor(new FakeModel());
    const socket = await rawSocket(predictor.tcpPort);
    socket.on('error', () => undefined);
    await waitFor('the connection to be tracked', () => true);
    await predictor.app.close();
    await closed(socket);
    expect(socket.destroyed).toBe(true);
  });
});
