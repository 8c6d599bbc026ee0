import { Logger } from '@nestjs/common';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { slowClientBoundMs } from '@ml-system/server-core';
import { freePort } from '@ml-system/test-support';
import { startGateway } from '../bootstrap';
import type { RunningGateway } from '../bootstrap';
import { makeTempDir, removeTempDir } from '../testing/temp-dir';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 500;
const BOUND = slowClientBoundMs({ headersMs: HEADERS_TIMEOUT_MS, requestMs: REQUEST_TIMEOUT_MS });
/** Scheduling slack on a shared, busy 2-core machine. */
const SLACK_MS = 750;

interface Trickle {
  socket: Socket;
  /** Resolves when the server closes the connection: how long it lived and what it was told. */
  closed: Promise<{ afterMs: number; received: string }>;
  stop(): void;
}

/** Opens a connection, sends `head`, then one byte of `drip` every `everyMs` until closed. */
function trickle(port: number, head: string, drip = 'a', everyMs = 100): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => clearInterval(timer);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      const started = performance.now();
      const closed = new Promise<{ afterMs: number; received: string }>((done) => {
        socket.once('close', () => {
          stop();
          done({ afterMs: performance.now() - started, received });
        });
      });
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(drip);
      }, everyMs);
      resolve({ socket, closed, stop });
    });
    socket.once('error', reject);
  });
}

async function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

describe('slow clients against a listening gateway (real sockets)', () => {
  let gateway: RunningGateway;
  let port: number;
  let inputLog: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    inputLog = await makeTempDir('slow-client');
    Object.assign(process.env, {
      INPUT_LOG_DIR: inputLog,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      PREDICTOR_ENDPOINTS: `127.0.0.1:${await freePort()}`,
      REQUEST_DEADLINE_MS: '1000',
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      RATE_LIMIT_MAX: '0',
    });
    gateway = await startGateway();
    port = Number(new URL(gateway.url).port);
  });

  afterAll(async () => {
    await gateway.app.close();
    await removeTempDir(inputLog);
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('closes a connection that sends its headers a byte per 100 ms within the bound, while serving others', async () => {
    const slow = await trickle(port, 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');
    // Halfway through, a normal client is answered at once.
    await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT_MS / 2));
    const normal = await timedGet(`${gateway.url}/health/live`);
    expect(normal.status).toBe(200);
    expect(normal.ms).toBeLessThan(500);

    const { afterMs, received } = await slow.closed;
    process.stdout.write(
      `slowloris connection closed after ${Math.round(afterMs)} ms (bound ${BOUND.headersMs} ms)\n`,
    );
    expect(afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(afterMs).toBeLessThan(BOUND.headersMs + SLACK_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toMatch(/content-type: application\/problem\+json/i);
    expect(received).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it('closes a connection that sends its body a byte per 100 ms within the bound', async () => {
    const slow = await trickle(
      port,
      'POST /process HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"data":"',
    );
    const { afterMs, received } = await slow.closed;
    process.stdout.write(
      `slow-body connection closed after ${Math.round(afterMs)} ms (bound ${BOUND.requestMs} ms)\n`,
    );
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(afterMs).toBeLessThan(BOUND.requestMs + SLACK_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('keeps answering quickly while fifty slowloris connections are open', async () => {
    const attackers = await Promise.all(
      Array.from({ length: 50 }, () =>
        trickle(port, 'GET / HTTP/1.1\r\nHost: gateway\r\nX-Slow: '),
      ),
    );
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => timedGet(`${gateway.url}/health/live`)),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_000);
      const closed = await Promise.all(attackers.map((a) => a.closed));
      expect(Math.max(...closed.map((c) => c.afterMs))).toBeLessThan(BOUND.headersMs + SLACK_MS);
    } finally {
      for (const attacker of attackers) {
        attacker.stop();
        attacker.socket.destroy();
      }
    }
  });

  it('closes a connection that never sends a byte within the headers bound', async () => {
    const silent = await trickle(port, '', '', 60_000);
    const { afterMs } = await silent.closed;
    expect(afterMs).toBeLessThan(BOUND.headersMs + SLACK_MS);
  });

  it("closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS (plus Node's 1 s grace)", async () => {
    const client = await trickle(
      port,
      'GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n',
      '',
      60_000,
    );
    const { afterMs, received } = await client.closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/keep-alive: timeout=0/i);
    // Node keeps the socket 1 s past the timeout it announced, so that it
    // never closes a connection the client may be reusing at that instant.
    expect(afterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 100);
    expect(afterMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_000 + SLACK_MS);
  });

  it.each([
    [
      'headers over 16 KB',
      `GET / HTTP/1.1\r\nHost: gateway\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
    ['a garbage request line', 'HELLO / SMTP\r\n\r\n', 400],
    ['a bare LF in a header', 'GET / HTTP/1.1\r\nHost: gateway\r\nX-A: b\nc\r\n\r\n', 400],
  ])('answers %s, refused by the HTTP parser, with a problem', async (_what, request, status) => {
    const client = await trickle(port, request, '', 60_000);
    const { received } = await client.closed;
    expect(received).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(received).toMatch(/content-type: application\/problem\+json/i);
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({ status, type: expect.stringMatching(/^\/problems\//) });
  });
});
