import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PredictorClient } from '../predictor-client/predictor-client';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';

const KEY = 'alpha-key-0123456789';
const ALLOWED = 'https://app.example.com';

const predictor = () =>
  strictMock(PredictorClient, {
    // No endpoint answers: /health is 'degraded', still 200.
    checkEndpoints: async () => [],
  });

describe('security headers (HTTP pipeline)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await gatewayTestApp(predictor(), { env: { API_KEYS: KEY } });
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['a success', 'GET', '/health/live'],
    ['a 401', 'POST', '/process'],
    ['a 404', 'GET', '/nope'],
  ] as const)(
    "sets the API's security headers on %s and no X-Powered-By",
    async (_what, method, url) => {
      const response = await app.inject({ method, url });
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
        'cache-control': 'no-store',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers.server).toBeUndefined();
    },
  );

  it('sends API answers a CSP that allows nothing to load and forbids framing', async () => {
    const csp = String(
      (await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy'],
    );
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // Swagger UI's pages get helmet's policy instead (server-core's http-app spec, and the
    // browser e2e spec on the built gateway, where Swagger UI is served).
  });

  it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
    const response = await app.inject({ method: 'GET', url: '/', headers: { origin: ALLOWED } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/process',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS (HTTP pipeline)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await gatewayTestApp(predictor(), {
      env: {
        API_KEYS: KEY,
        CORS_ORIGINS: `${ALLOWED}, http://localhost:3000`,
      },
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers a preflight from an allowed origin without a key, allowing the key headers', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/process',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-api-key',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(response.headers['access-control-allow-headers'])).toMatch(/x-api-key/);
    expect(String(response.headers['access-control-allow-headers'])).toMatch(/authorization/);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('allows an origin of the list on real requests and exposes the request id', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/',
      headers: { origin: 'http://localhost:3000' },
    });
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(String(response.headers['access-control-expose-headers'])).toMatch(/x-request-id/);
  });

  it('gives no CORS grant to another origin', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/',
      headers: { origin: 'https://evil.example' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});
