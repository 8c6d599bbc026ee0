import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { waitFor } from '@ml-system/test-support';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { problemViolations } from '../testing/problem-assertions';
import { answeringPredictor } from '../testing/fixtures';

const KEY_A = 'alpha-key-0123456789';
const KEY_B = 'bravo-key-0123456789';
const MAX = 3;

const post = (
  app: NestFastifyApplication,
  headers: Record<string, string> = {},
  remoteAddress?: string,
) =>
  app.inject({
    method: 'POST',
    url: '/process',
    headers: { 'content-type': 'application/json', ...headers },
    payload: { data: 'cat', forward_to_model: false },
    ...(remoteAddress ? { remoteAddress } : {}),
  });

async function statuses(count: number, send: () => ReturnType<typeof post>): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < count; i += 1) codes.push((await send()).statusCode);
  return codes;
}

describe('rate limits per API key (HTTP pipeline)', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    app = await gatewayTestApp(answeringPredictor(), {
      env: {
        API_KEYS: `${KEY_A},${KEY_B}`,
        RATE_LIMIT_MAX: String(MAX),
      },
    });
  });

  afterEach(async () => {
    await app.close();
  });

  it('answers 429 problem+json with Retry-After once a key used its MAX', async () => {
    expect(await statuses(MAX, () => post(app, { 'x-api-key': KEY_A }))).toEqual([200, 200, 200]);
    const refused = await post(app, { 'x-api-key': KEY_A });
    expect(refused.statusCode).toBe(429);
    expect(problemViolations(refused)).toEqual([]);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', type: '/problems/rate-limited' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('counts one budget per key, whichever header carries it and whatever the route', async () => {
    await post(app, { 'x-api-key': KEY_A });
    await post(app, { authorization: `Bearer ${KEY_A}` });
    const versioned = await app.inject({
      method: 'POST',
      url: '/v1/process',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY_A },
      payload: { data: 'cat', forward_to_model: false },
    });
    expect(versioned.statusCode).toBe(200);
    expect((await post(app, { 'x-api-key': KEY_A })).statusCode).toBe(429);
  });

  it('keeps keys apart: one exhausted key does not limit another, even from the same address', async () => {
    await statuses(MAX + 2, () => post(app, { 'x-api-key': KEY_A }));
    expect((await post(app, { 'x-api-key': KEY_A })).statusCode).toBe(429);
    expect(await statuses(MAX, () => post(app, { 'x-api-key': KEY_B }))).toEqual([200, 200, 200]);
  });

  it('never limits the health probes', async () => {
    await statuses(MAX + 1, () => post(app, { 'x-api-key': KEY_A }));
    for (const url of ['/health', '/health/live', '/health/ready']) {
      expect(await statuses(MAX + 2, () => app.inject({ method: 'GET', url }))).toEqual(
        Array(MAX + 2).fill(200),
      );
    }
  });

  it('answers a missing key with 401 rather than spending a budget', async () => {
    await statuses(MAX + 3, () => post(app));
    expect((await post(app, { 'x-api-key': KEY_A })).statusCode).toBe(200);
  });
});

describe('rate limits without API keys', () => {
  it('counts per client address', async () => {
    const app = await gatewayTestApp(answeringPredictor(), {
      env: { RATE_LIMIT_MAX: String(MAX) },
    });
    try {
      expect(await statuses(MAX + 1, () => post(app, {}, '10.0.0.1'))).toEqual([
        200, 200, 200, 429,
      ]);
      expect((await post(app, {}, '10.0.0.2')).statusCode).toBe(200);
      // X-Forwarded-For is the client's to write: it must not open a new budget.
      expect((await post(app, { 'x-forwarded-for': '10.9.9.9' }, '10.0.0.1')).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('treats the addresses of one IPv6 /64 as one client', async () => {
    const app = await gatewayTestApp(answeringPredictor(), {
      env: { RATE_LIMIT_MAX: String(MAX) },
    });
    try {
      await statuses(MAX, () => post(app, {}, '2001:db8:1:2::1'));
      expect((await post(app, {}, '2001:db8:1:2::ffff')).statusCode).toBe(429);
      expect((await post(app, {}, '2001:db8:1:3::1')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('is off with RATE_LIMIT_MAX=0', async () => {
    const app = await gatewayTestApp(answeringPredictor(), { env: { RATE_LIMIT_MAX: '0' } });
    try {
      const codes = await statuses(50, () => post(app));
      expect(codes.every((code) => code === 200)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('starts a new window once RATE_LIMIT_WINDOW_MS passed', async () => {
    const app = await gatewayTestApp(answeringPredictor(), {
      env: {
        RATE_LIMIT_MAX: '1',
        RATE_LIMIT_WINDOW_MS: '1000',
      },
    });
    try {
      const windowStart = Date.now();
      expect(await statuses(2, () => post(app))).toEqual([200, 429]);
      await waitFor(
        'a request let through by a new window',
        async () => {
          return (await post(app)).statusCode === 200;
        },
        { timeoutMs: 5_000, intervalMs: 50 },
      );
      // The window starts at the first request: nothing got through before it ended.
      expect(Date.now() - windowStart).toBeGreaterThanOrEqual(1_000);
    } finally {
      await app.close();
    }
  });
});
