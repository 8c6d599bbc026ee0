import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { RunningPredictor } from '../bootstrap';
import { FakeModel } from '../testing/fake-model';
import { startTestPredictor } from '../testing/predictor-test-app';

const STALL_MS = 300;

/** One request frame in the transport's `<length>#<json>` framing. */
function frame(id: number): string {
  const body = JSON.stringify({
    pattern: PREDICTOR_PATTERNS.predict,
    data: {
      payload: { input: `cat ${id}` },
      meta: { request_id: `r${id}`, deadline: Date.now() + 10_000 },
    },
    id: String(id),
  });
  return `${body.length}#${body}`;
}

describe('the stall bound of the hardened socket (real sockets)', () => {
  let predictor: RunningPredictor;
  const saved = { ...process.env };

  beforeAll(async () => {
    predictor = await startTestPredictor(new FakeModel(), {
      RPC_INCOMPLETE_FRAME_TIMEOUT_MS: String(STALL_MS),
    });
  });

  afterAll(async () => {
    await predictor.app.close();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('keeps a busy connection whose reads always end mid-frame, as long as frames keep completing', async () => {
    // A busy client: every write finishes the previous frame and starts the
    // next, so the server never sees an empty buffer between reads, for about
    // five times the stall bound. Each frame completes within a few ms.
    const socket: Socket = connect(predictor.tcpPort, '127.0.0.1');
    socket.setNoDelay(true);
    let replies = 0;
    let closed = false;
    socket.on('data', (chunk: Buffer) => {
      replies += (chunk.toString('utf8').match(/"id":"\d+"/g) ?? []).length;
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));

    // Cut the stream of 31 frames in the middle of each frame: every write
    // completes one frame and leaves the next one half sent.
    const frames = Array.from({ length: 31 }, (_, i) => frame(i));
    const stream = frames.join('');
    const cuts: number[] = [];
    let offset = 0;
    for (const f of frames) {
      cuts.push(offset + Math.floor(f.length / 2));
      offset += f.length;
    }
    cuts.push(stream.length);
    let from = 0;
    for (const cut of cuts) {
      socket.write(stream.slice(from, cut));
      from = cut;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deadline = Date.now() + 5_000;
    while (replies < 31 && !closed && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    expect(closed).toBe(false);
    expect(replies).toBe(31);
  });

  it('still closes a connection that trickles one frame a byte at a time', async () => {
    // Bytes keep arriving, but the frame never completes: that is a stall.
    const socket: Socket = connect(predictor.tcpPort, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = performance.now();
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(performance.now() - started)),
    );
    socket.write('500#{');
    const timer = setInterval(() => socket.write(' '), 25);
    const after = await closed;
    clearInterval(timer);
    expect(after).toBeGreaterThanOrEqual(STALL_MS - 50);
    expect(after).toBeLessThan(STALL_MS + 2_000);
  });
});

describe('shutdown and established connections (real sockets)', () => {
  it('closes an established connection when the app closes, so nothing is dispatched after', async () => {
    const predictor = await startTestPredictor(new FakeModel());
    const socket: Socket = connect(predictor.tcpPort, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    // Half a frame in flight: the connection is busy, not idle.
    socket.write('500#{');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await predictor.app.close();
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
