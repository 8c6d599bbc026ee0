import type { Server } from 'node:http';
import {
  DEFAULT_HTTP_TIMEOUTS,
  connectionsCheckingIntervalMs,
  createHttpAdapter,
  slowClientBoundMs,
} from './http-app';
import { HELMET_OPTIONS, helmetHeaders } from './security-headers';

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
