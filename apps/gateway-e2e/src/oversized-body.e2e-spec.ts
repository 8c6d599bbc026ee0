import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

/** 10 MB: far over the gateway's 64 KiB limit, and more than the kernel's socket buffers hold. */
const OVERSIZED = Buffer.alloc(10 * 1024 * 1024, 'a');
const TRIES = 10;
/** The server's lingering close (server-core's DEFAULT_LINGERING_CLOSE.timeMs). */
const LINGER_MS = 5_000;

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** Posts with Node's fetch as a new user would: no `Expect: 100-continue`. */
async function postWithFetch(url: string, body: Buffer): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    body: await response.text(),
  };
}

/** The same with node:http, the whole body written at once. */
function postWithNodeHttp(url: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: text,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Tries `TRIES` times; the errors (EPIPE, ECONNRESET) of the tries that did not read an answer. */
async function tryRepeatedly(
  post: () => Promise<Answer>,
): Promise<{ answers: Answer[]; errors: string[] }> {
  const answers: Answer[] = [];
  const errors: string[] = [];
  for (let i = 0; i < TRIES; i += 1) {
    try {
      answers.push(await post());
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      errors.push(cause?.code ?? (error as { code?: string }).code ?? String(error));
    }
  }
  return { answers, errors };
}

describe('a body over the limit, sent without Expect: 100-continue, to the built gateway', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  beforeAll(async () => {
    predictor = await startPredictor();
    gateway = await startGateway([predictor.tcpPort], { RATE_LIMIT_MAX: '0' });
  });

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  const expectAllTooLarge = ({
    answers,
    errors,
  }: {
    answers: Answer[];
    errors: string[];
  }): void => {
    expect(errors).toEqual([]);
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: TRIES }, () => 413));
    for (const answer of answers) {
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
  };

  it(`Node's fetch reads the 413 every time (${TRIES} tries)`, async () => {
    expectAllTooLarge(
      await tryRepeatedly(() => postWithFetch(`${gateway.url}/process`, OVERSIZED)),
    );
  }, 60_000);

  it(`node:http reads the 413 every time (${TRIES} tries)`, async () => {
    expectAllTooLarge(
      await tryRepeatedly(() => postWithNodeHttp(`${gateway.url}/process`, OVERSIZED)),
    );
  }, 60_000);

  it('a client that never stops sending is still cut within the lingering bound', async () => {
    // Half-open allowed: the client keeps sending after the server's FIN, as a hostile one would.
    const socket = connect({
      port: Number(new URL(gateway.url).port),
      host: '127.0.0.1',
      allowHalfOpen: true,
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const started = performance.now();
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(performance.now() - started)),
    );
    socket.write(
      'POST /process HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000000000\r\n\r\n',
    );
    const drip = setInterval(() => {
      if (socket.writable) socket.write(Buffer.alloc(1024, 'a'));
    }, 50);
    try {
      const afterMs = await closed;
      expect(received).toMatch(/^HTTP\/1\.1 413 /);
      expect(received).toMatch(/\r\nconnection: close\r\n/i);
      expect(afterMs).toBeGreaterThanOrEqual(LINGER_MS - 200);
      expect(afterMs).toBeLessThan(LINGER_MS + 3_000);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  }, 20_000);

  it('answers without a body keep their keep-alive connection', async () => {
    const response = await fetch(`${gateway.url}/health/live`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).not.toBe('close');
  });

  it('a body within the limit on the same gateway is still accepted', async () => {
    const response = await postWithFetch(
      `${gateway.url}/process`,
      Buffer.from(JSON.stringify({ data: 'cat', forward_to_model: false })),
    );
    expect(response.status).toBe(200);
  });
});
