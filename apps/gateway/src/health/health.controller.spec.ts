import type { HealthCheckResult } from '@nestjs/terminus';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PredictorClient } from '../predictor-client/predictor-client';
import type { EndpointCheck } from '../predictor-client/predictor-client';
import type { EndpointSnapshot } from '../predictor-client/endpoint';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';
import { gatewayStatus } from './gateway-status';

const result = (error: Record<string, { status: 'down' }>): HealthCheckResult => ({
  status: Object.keys(error).length ? 'error' : 'ok',
  info: {},
  error,
  details: {},
});

describe(gatewayStatus.name, () => {
  it('is healthy with nothing down, degraded with only the predictor down, else unhealthy', () => {
    expect(gatewayStatus(result({}))).toBe('healthy');
    expect(gatewayStatus(result({ predictor: { status: 'down' } }))).toBe('degraded');
    expect(gatewayStatus(result({ input_log: { status: 'down' } }))).toBe('unhealthy');
    expect(
      gatewayStatus(result({ predictor: { status: 'down' }, lifecycle: { status: 'down' } })),
    ).toBe('unhealthy');
  });
});

const endpoint = (
  address: string,
  overrides: Partial<EndpointSnapshot> = {},
): EndpointSnapshot => ({
  address,
  target: address,
  breaker: 'closed',
  inFlight: 0,
  consecutiveFailures: 0,
  lastError: null,
  lastErrorAt: null,
  probeAt: null,
  draining: false,
  ...overrides,
});

const UP = { status: 'up', ready: true, model: { name: 'm', version: '1' }, uptime_s: 1 } as const;

describe('HealthController (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  const checkEndpoints = jest.fn<Promise<EndpointCheck[]>, [number]>();

  beforeEach(async () => {
    checkEndpoints.mockReset();
    app = await gatewayTestApp(strictMock(PredictorClient, { checkEndpoints }));
  });

  afterEach(async () => {
    await app.close();
  });

  it('is healthy when one endpoint of several answers its health pattern, and lists each endpoint', async () => {
    checkEndpoints.mockResolvedValue([
      {
        endpoint: endpoint('10.0.0.1:8877', {
          breaker: 'open',
          consecutiveFailures: 5,
          lastError: 'Predictor is unavailable: connection refused',
          lastErrorAt: Date.parse('2030-01-01T00:00:00Z'),
          probeAt: Date.parse('2030-01-01T00:00:05Z'),
        }),
        latencyMs: 1,
        error: 'Predictor is unavailable: connection refused',
      },
      { endpoint: endpoint('10.0.0.2:8877', { inFlight: 3 }), latencyMs: 2, reply: UP },
    ]);
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      service: 'gateway',
      status: 'healthy',
      details: {
        predictor: {
          status: 'up',
          model: { name: 'm', version: '1' },
          endpoints: [
            {
              address: '10.0.0.1:8877',
              status: 'down',
              breaker: 'open',
              consecutive_failures: 5,
              last_error: 'Predictor is unavailable: connection refused',
              last_error_at: '2030-01-01T00:00:00.000Z',
              probe_at: '2030-01-01T00:00:05.000Z',
              error: 'Predictor is unavailable: connection refused',
            },
            {
              address: '10.0.0.2:8877',
              status: 'up',
              breaker: 'closed',
              in_flight: 3,
              last_error: null,
            },
          ],
        },
      },
    });
    expect(checkEndpoints).toHaveBeenCalledWith(500);
  });

  it('is degraded, still 200, when no endpoint answers', async () => {
    checkEndpoints.mockResolvedValue([
      {
        endpoint: endpoint('127.0.0.1:1'),
        latencyMs: 1,
        error: 'Predictor is unavailable: connection refused',
      },
    ]);
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'degraded',
      error: {
        predictor: {
          status: 'down',
          reason: 'Predictor is unavailable: connection refused',
          endpoints: [{ address: '127.0.0.1:1', status: 'down' }],
        },
      },
    });
  });

  it('is degraded when the only answer is "not ready", or no endpoint is known', async () => {
    checkEndpoints.mockResolvedValueOnce([
      { endpoint: endpoint('a:1'), latencyMs: 1, reply: { ...UP, ready: false } },
    ]);
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({
      status: 'degraded',
      error: {
        predictor: { reason: 'the predictor is not ready', endpoints: [{ status: 'not_ready' }] },
      },
    });
    checkEndpoints.mockResolvedValueOnce([]);
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({
      status: 'degraded',
      error: {
        predictor: {
          reason: 'Predictor is unavailable: no predictor address is known',
          endpoints: [],
        },
      },
    });
  });

  it('keeps liveness and readiness independent of the predictor', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    expect(checkEndpoints).not.toHaveBeenCalled();
  });
});
