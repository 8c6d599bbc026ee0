import type { Server } from 'node:http';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DEFAULT_HTTP_TIMEOUTS,
  configureHttpApp,
  connectionsCheckingIntervalMs,
  createHttpAdapter,
  isDocsPageRoute,
  slowClientBoundMs,
} from './http-app';
import { API_SECURITY_HEADERS, HELMET_OPTIONS, helmetHeaders } from './security-headers';

describe(createHttpAdapter.name, () => {
  const serverOf = (timeouts?: Parameters<typeof createHttpAdapter>[0]['timeouts']): Server =>
    createHttpAdapter({ bodyLimit: 1024, ...(timeouts ? { timeouts } : {}) }).getInstance().server;

  it('bounds slow clients with the documented defaults', () => {
    const server = serverOf();
    expect(server.headersTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.headersMs);
    expect(server.requestTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.requestMs);
    expect(server.keepAliveTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.keepAliveMs);
    expect(server.timeout).toBe(DEFAULT_HTTP_TIMEOUTS.requestMs);
  });

  it('takes the configured timeouts', () => {
    const server = serverOf({ headersMs: 1_000, requestMs: 2_000, keepAliveMs: 300 });
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([
      1_000, 2_000, 300,
    ]);
  });

  it('refuses a headers timeout above the request timeout (Node does)', () => {
    expect(() => serverOf({ headersMs: 3_000, requestMs: 2_000 })).toThrow(/headersTimeout/);
  });
});

describe(slowClientBoundMs.name, () => {
  it('is the timeout plus one sweep of Node over its connections', () => {
    expect(slowClientBoundMs()).toEqual({ headersMs: 11_000, requestMs: 16_000 });
    expect(slowClientBoundMs({ headersMs: 1_000, requestMs: 2_000 })).toEqual({
      headersMs: 1_250,
      requestMs: 2_250,
    });
    expect(connectionsCheckingIntervalMs(100)).toBe(100);
  });
});

describe(helmetHeaders.name, () => {
  it("takes helmet's headers once, without Fastify's own", async () => {
    const headers = await helmetHeaders(HELMET_OPTIONS);
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
    });
    expect(Object.keys(headers)).not.toEqual(expect.arrayContaining(['date']));
    expect(headers['content-type']).toBeUndefined();
    expect(headers['content-length']).toBeUndefined();
    expect(headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});

describe(configureHttpApp.name, () => {
  @Module({})
  class EmptyModule {}

  let app: NestFastifyApplication;
  let helmet: Record<string, string>;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(
      EmptyModule,
      createHttpAdapter({ bodyLimit: 1024 }),
      { logger: false },
    );
    configureHttpApp(app);
    // Registered after it, as @nestjs/swagger registers Swagger UI's routes (a plugin for the assets).
    const fastify = app.getHttpAdapter().getInstance();
    fastify.get('/api', async () => ({ ok: true }));
    fastify.get('/docs', async (_request, reply) => reply.type('text/html').send('<html></html>'));
    fastify.get('/docs-json', async () => ({ openapi: '3.0.0' }));
    await fastify.register(
      async (assets) => {
        assets.get('/swagger-ui.css', async (_request, reply) =>
          reply.header('cache-control', 'public, max-age=60').type('text/css').send(''),
        );
      },
      { prefix: '/docs' },
    );
    await app.init();
    helmet = await helmetHeaders();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['/api', '/docs-json', '/nope'])(
    "gives %s the API's security headers and none of helmet's page headers",
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers).toMatchObject(API_SECURITY_HEADERS);
      expect(response.headers['content-security-policy']).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      for (const name of ['x-dns-prefetch-control', 'origin-agent-cluster', 'x-xss-protection']) {
        expect(response.headers[name]).toBeUndefined();
      }
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
    },
  );

  it.each(['/docs', '/docs/swagger-ui.css'])(
    "gives Swagger UI's %s helmet's headers, whose CSP lets it load its own assets",
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject(helmet);
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
    },
  );

  it("leaves Swagger UI's pages cacheable as their routes say, not no-store", async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.headers['cache-control']).toBeUndefined();
    const asset = await app.inject({ method: 'GET', url: '/docs/swagger-ui.css' });
    expect(asset.headers['cache-control']).toBe('public, max-age=60');
  });
});

describe(isDocsPageRoute.name, () => {
  it.each([
    ['/docs', true],
    ['/docs/', true],
    ['/docs/*', true],
    ['/docs/swagger-ui-init.js', true],
    ['/docs-json', false],
    ['/documents', false],
    ['/process', false],
    ['/', false],
  ])('%s: %s', (url, expected) => {
    expect(isDocsPageRoute(url)).toBe(expected);
  });
});
