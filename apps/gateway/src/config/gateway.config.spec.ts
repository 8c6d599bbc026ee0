import { ConfigValidationError } from '@ml-system/server-core';
import { parseEndpoints, validateGatewayEnv } from './gateway.config';

describe('validateGatewayEnv', () => {
  it('fills the documented defaults', () => {
    expect(validateGatewayEnv({})).toMatchObject({
      GATEWAY_HOST: '0.0.0.0',
      GATEWAY_PORT: 8000,
      PREDICTOR_ENDPOINTS: '127.0.0.1:8877',
      PREDICTOR_TIMEOUT_MS: 1000,
      REQUEST_DEADLINE_MS: 2500,
      BODY_LIMIT_BYTES: 65536,
      LOG_LEVEL: 'info',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(validateGatewayEnv({ GATEWAY_PORT: '' }).GATEWAY_PORT).toBe(8000);
  });

  it.each([
    ['GATEWAY_PORT', 'http'],
    ['GATEWAY_PORT', '65536'],
    ['PREDICTOR_ENDPOINTS', 'localhost'],
    ['PREDICTOR_ENDPOINTS', 'a:1,,b:2'],
    ['PREDICTOR_TIMEOUT_MS', '-5'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_PRETTY', 'yes'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('stops on %s=%s, naming the variable', (name, value) => {
    expect(() => validateGatewayEnv({ [name]: value })).toThrow(ConfigValidationError);
    expect(() => validateGatewayEnv({ [name]: value })).toThrow(`${name}=${JSON.stringify(value)}`);
  });
});

describe('parseEndpoints', () => {
  it('splits names, IPv4 and bracketed IPv6', () => {
    expect(parseEndpoints('predictor:8877, 10.0.0.2:9000,[::1]:8877')).toEqual([
      { host: 'predictor', port: 8877 },
      { host: '10.0.0.2', port: 9000 },
      { host: '::1', port: 8877 },
    ]);
  });
});
