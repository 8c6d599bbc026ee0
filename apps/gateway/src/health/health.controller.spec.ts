import type { HealthCheckResult } from '@nestjs/terminus';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PredictorClient } from '../predictor-client/predictor-client';
import { PredictorUnavailableError } from '../predictor-client/predictor.errors';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';
import { gatewayStatus } from './health.controller';

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

describe('HealthController (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  const health = jest.fn();

  beforeEach(async () => {
    health.mockReset();
    app = await gatewayTestApp(
      strictMock(PredictorClient, {
        health,
        describeEndpoints: () => ['127.0.0.1:1'],
      }),
    );
  });

  afterEach(async () => {
    await app.close();
  });

  it('is healthy when the predictor answers its health pattern', async () => {
    health.mockResolvedValue({ status: 'up', ready: true, model: { name: 'm', version: '1' }, uptime_s: 1 });
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ service: 'gateway', status: 'healthy' });
  });

  it('is degraded, still 200, when the predictor does not answer', async () => {
    health.mockRejectedValue(new PredictorUnavailableError('connection refused'));
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'degraded',
      error: { predictor: { status: 'down' } },
    });
  });

  it('keeps liveness and readiness independent of the predictor', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    expect(health).not.toHaveBeenCalled();
  });
});
