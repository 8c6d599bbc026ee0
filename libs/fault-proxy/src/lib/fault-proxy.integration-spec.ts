import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { FaultProxy } from './fault-proxy';

/** An echo service on a free loopback port. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

type Outcome = { reply: string; ms: number } | { error: string; ms: number } | { silent: true };

/** Connects, sends `text`, and reports the first reply, the error, or silence after `waitMs`. */
function exchange(port: number, text: string, waitMs = 1_000): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ silent: true });
    }, waitMs);
    const done = (outcome: Outcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.once('data', (chunk) =>
      done({ reply: chunk.toString(), ms: performance.now() - started }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ error: error.code ?? error.message, ms: performance.now() - started }),
    );
  });
}

describe(FaultProxy.name, () => {
  let echo: { server: Server; port: number };
  let proxy: FaultProxy;

  beforeAll(async () => {
    echo = await echoServer();
  });

  afterAll(async () => {
    await new Promise((resolve) => echo.server.close(resolve));
  });

  beforeEach(async () => {
    proxy = await FaultProxy.start({ listenPort: 0, targetPort: echo.port });
  });

  afterEach(async () => {
    await proxy.close();
  });

  it('forwards both ways in pass mode', async () => {
    expect(proxy.port).toBeGreaterThan(0);
    await expect(exchange(proxy.port, 'hello')).resolves.toMatchObject({ reply: 'hello' });
    expect(proxy.accepted).toBe(1);
  });

  it('delays each direction by the latency', async () => {
    await proxy.setMode('latency:100');
    const outcome = await exchange(proxy.port, 'slow');
    expect(outcome).toMatchObject({ reply: 'slow' });
    expect((outcome as { ms: number }).ms).toBeGreaterThanOrEqual(190);
    expect(proxy.mode).toEqual({ kind: 'latency', ms: 100 });
  });

  it('swallows traffic in blackhole mode, keeping the connection open', async () => {
    await proxy.blackhole();
    await expect(exchange(proxy.port, 'anyone?', 300)).resolves.toEqual({ silent: true });
  });

  it('stops forwarding on a connection that was open when the blackhole began', async () => {
    const socket = connect(proxy.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('one');
    await new Promise((resolve) => socket.once('data', resolve));
    await proxy.blackhole();
    const replies: string[] = [];
    socket.on('data', (chunk) => replies.push(chunk.toString()));
    socket.write('two');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(replies).toEqual([]);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('resets new connections in reset mode', async () => {
    await proxy.reset();
    await expect(exchange(proxy.port, 'x')).resolves.toMatchObject({ error: 'ECONNRESET' });
  });

  it('refuses connections, then listens again on the same port', async () => {
    const port = proxy.port;
    await proxy.refuse();
    await expect(exchange(port, 'x')).resolves.toMatchObject({ error: 'ECONNREFUSED' });
    await proxy.pass();
    expect(proxy.port).toBe(port);
    await expect(exchange(port, 'back')).resolves.toMatchObject({ reply: 'back' });
  });

  it('resets the client when the service behind it is gone', async () => {
    const dead = await FaultProxy.start({ listenPort: 0, targetPort: 1 });
    try {
      await expect(exchange(dead.port, 'x')).resolves.toMatchObject({ error: 'ECONNRESET' });
    } finally {
      await dead.close();
    }
  });

  it.each([
    [{ listenHost: '0.0.0.0' }, 'the listen address must be a loopback address'],
    [{ listenHost: 'localhost' }, 'the listen address must be a loopback address'],
    [{ targetHost: '10.0.0.1' }, 'the target address must be a loopback address'],
    [{ targetHost: '::' }, 'the target address must be a loopback address'],
    [{ listenPort: 70_000 }, 'listenPort must be an integer'],
    [{ mode: 'slow' }, 'unknown fault mode "slow"'],
    [{ mode: { kind: 'latency', ms: -1 } }, 'latency must be an integer'],
  ] as const)('refuses to start with %j', async (options, message) => {
    await expect(
      FaultProxy.start({ listenPort: 0, targetPort: echo.port, ...options }),
    ).rejects.toThrow(message);
  });

  it('may listen on ::1 or any 127/8 address', async () => {
    const other = await FaultProxy.start({
      listenPort: 0,
      listenHost: '127.0.0.1',
      targetHost: '127.0.0.1',
      targetPort: echo.port,
    });
    expect(other.toString()).toMatch(/^fault proxy 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ \(pass\)$/);
    await other.close();
  });
});
