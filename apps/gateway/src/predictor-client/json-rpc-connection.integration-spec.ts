import { Socket, createServer } from 'node:net';
import type { Server } from 'node:net';
import { ServerTCP } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import { freePort } from '@ml-system/test-support';
import { StubPredictor, answerAll, stubPrediction } from '../testing/stub-predictor';
import { JsonRpcConnection } from './json-rpc-connection';
import type { Settled } from './json-rpc-connection';

/** A raw server that hands each accepted socket to the test. */
async function rawServer(
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

const frame = (body: object): string => {
  const json = JSON.stringify(body);
  return `${json.length}#${json}`;
};

describe('JsonRpcConnection (real sockets on 127.0.0.1)', () => {
  const connections: JsonRpcConnection[] = [];
  const open = (port: number, maxFrameChars?: number): JsonRpcConnection => {
    const connection = new JsonRpcConnection({
      host: '127.0.0.1',
      port,
      ...(maxFrameChars ? { maxFrameChars } : {}),
    });
    connections.push(connection);
    return connection;
  };

  afterEach(() => {
    for (const connection of connections.splice(0)) connection.close();
  });

  it("talks to Nest's own TCP server: replies, and errors as the plain objects they are", async () => {
    const port = await freePort();
    const server = new ServerTCP({ host: '127.0.0.1', port });
    server.addHandler('echo', async (data: unknown) => ({ echoed: data }));
    // What Nest's exception filter makes of an RpcException in a real app.
    server.addHandler('refuse', async () =>
      throwError(() => ({ code: 'INVALID_INPUT', message: 'no' })),
    );
    await new Promise<void>((resolve, reject) => {
      server.listen((error?: unknown) =>
        error ? reject(new Error('the test server did not listen')) : resolve(),
      );
    });
    try {
      const connection = open(port);
      const [echo, refused, unknown] = await Promise.all([
        connection.request('echo', { text: 'héllo ✓' }).settled,
        connection.request('refuse', {}).settled,
        connection.request('no-such-pattern', {}).settled,
      ]);
      expect(echo).toEqual({ reply: { echoed: { text: 'héllo ✓' } } });
      expect(refused).toEqual({ failure: { code: 'INVALID_INPUT', message: 'no' } });
      expect(unknown).toEqual({ failure: expect.stringMatching(/no matching message handler/i) });
      expect(connection.connected).toBe(true);
    } finally {
      server.close();
    }
  });

  it('sends the calls made in one turn of the event loop in one write, and matches replies by id', async () => {
    const stub = await StubPredictor.start((message) => ({
      reply: stubPrediction((message.data.payload as { input: string }).input),
      // Answer in reverse order of arrival: ids, not order, must match them up.
      delayMs: 50 - Number(message.id),
    }));
    const chunks: number[] = [];
    const proxy = await rawServer((client) => {
      const upstream = new Socket();
      upstream.connect(stub.port, '127.0.0.1');
      client.on('data', (chunk) => {
        chunks.push(chunk.length);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    try {
      const connection = open(proxy.port);
      const inputs = Array.from({ length: 20 }, (_, i) => `text ${i}`);
      const replies = await Promise.all(
        inputs.map((input) => connection.request('p', { payload: { input } }).settled),
      );
      expect(replies).toEqual(inputs.map((input) => ({ reply: stubPrediction(input) })));
      expect(chunks).toHaveLength(1);
      expect(connection.waiting).toBe(0);
    } finally {
      await stub.close();
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });

  it('ignores a reply to a cancelled call and the disposed tail of an answered one', async () => {
    const { server, port } = await rawServer((socket) => {
      socket.on('data', () => {
        socket.write(
          frame({ id: 1, response: 'late' }) +
            frame({ id: 2, response: 'ok' }) +
            frame({ id: 2, isDisposed: true }),
        );
      });
    });
    try {
      const connection = open(port);
      const first = connection.request('p', {});
      first.cancel();
      const second = connection.request('p', {});
      expect(await second.settled).toEqual({ reply: 'ok' });
      expect(connection.waiting).toBe(0);
    } finally {
      server.close();
    }
  });

  it('fails waiting calls with the socket error when nothing listens, and dials again on the next call', async () => {
    const port = await freePort();
    const connection = open(port);
    const refused = await connection.request('p', {}).settled;
    expect((refused as { failure: { code?: string } }).failure.code).toBe('ECONNREFUSED');
    const stub = await StubPredictor.start(answerAll, port);
    try {
      expect(await connection.request('p', { payload: { input: 'x' } }).settled).toEqual({
        reply: stubPrediction('x'),
      });
    } finally {
      await stub.close();
    }
  });

  it('fails waiting calls as "connection closed" when the peer closes without answering', async () => {
    const stub = await StubPredictor.start(() => 'close');
    try {
      const settled: Settled<unknown> = await open(stub.port).request('p', {}).settled;
      expect(settled).toEqual({
        failure: expect.objectContaining({ message: expect.stringMatching(/connection closed/i) }),
      });
    } finally {
      await stub.close();
    }
  });

  it.each([
    ['a corrupted length', 'x#{}'],
    ['a frame above the limit', '999999#{'],
    ['a frame that is not JSON', '3#{{{'],
  ])('drops the connection on %s, failing what waits on it', async (_what, garbage) => {
    const { server, port } = await rawServer((socket) =>
      socket.on('data', () => socket.write(garbage)),
    );
    try {
      const settled = await open(port, 1000).request('p', {}).settled;
      expect('failure' in settled).toBe(true);
    } finally {
      server.close();
    }
  });

  it('answers at once, without dialling, once closed', async () => {
    const connection = open(1);
    connection.close();
    expect(await connection.request('p', {}).settled).toEqual({
      failure: expect.objectContaining({ message: expect.stringMatching(/connection closed/i) }),
    });
    expect(connection.connected).toBe(false);
  });
});
