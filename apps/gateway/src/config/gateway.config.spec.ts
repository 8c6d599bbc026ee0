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
      PREDICTOR_RETRIES: 2,
      PREDICTOR_RETRY_BACKOFF_MS: 25,
      PREDICTOR_RETRY_BACKOFF_MAX_MS: 250,
      RETRY_BUDGET_RATIO: 0.2,
      RETRY_BUDGET_MIN_PER_S: 10,
      BREAKER_FAILURES: 5,
      BREAKER_OPEN_MS: 5000,
      MAX_IN_FLIGHT: 1024,
      PREDICTOR_RESOLVE_INTERVAL_MS: 5000,
      BODY_LIMIT_BYTES: 65536,
      LOG_LEVEL: 'info',
      INPUT_LOG_DIR: './data/input-log',
      INPUT_LOG_REDACTION: 'none',
      INPUT_LOG_SEGMENT_BYTES: 64 * 1024 * 1024,
      INPUT_LOG_RETENTION_BYTES: 1024 * 1024 * 1024,
    });
    expect(validateGatewayEnv({}).INPUT_LOG_HASH_SALT).toBeUndefined();
  });

  it('reads the input log settings', () => {
    expect(
      validateGatewayEnv({
        INPUT_LOG_DIR: '/var/lib/gateway/log',
        INPUT_LOG_REDACTION: 'hash',
        INPUT_LOG_HASH_SALT: 'a-long-enough-secret',
        INPUT_LOG_SEGMENT_BYTES: '4096',
        INPUT_LOG_RETENTION_BYTES: '1048576',
      }),
    ).toMatchObject({
      INPUT_LOG_DIR: '/var/lib/gateway/log',
      INPUT_LOG_REDACTION: 'hash',
      INPUT_LOG_HASH_SALT: 'a-long-enough-secret',
      INPUT_LOG_SEGMENT_BYTES: 4096,
      INPUT_LOG_RETENTION_BYTES: 1048576,
    });
  });

  it('reads the resilience knobs, decimals included', () => {
    expect(
      validateGatewayEnv({
        PREDICTOR_RETRIES: '0',
        RETRY_BUDGET_RATIO: '0.5',
        BREAKER_FAILURES: '1',
        BREAKER_OPEN_MS: '250',
        MAX_IN_FLIGHT: '8',
        PREDICTOR_RESOLVE_INTERVAL_MS: '0',
      }),
    ).toMatchObject({
      PREDICTOR_RETRIES: 0,
      RETRY_BUDGET_RATIO: 0.5,
      BREAKER_FAILURES: 1,
      BREAKER_OPEN_MS: 250,
      MAX_IN_FLIGHT: 8,
      PREDICTOR_RESOLVE_INTERVAL_MS: 0,
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
    ['INPUT_LOG_REDACTION', 'sha256'],
    ['INPUT_LOG_HASH_SALT', 'short'],
    ['INPUT_LOG_SEGMENT_BYTES', '100'],
    ['INPUT_LOG_SEGMENT_BYTES', '64MiB'],
    ['INPUT_LOG_RETENTION_BYTES', '1.5'],
    ['PREDICTOR_RETRIES', '11'],
    ['PREDICTOR_RETRIES', 'two'],
    ['RETRY_BUDGET_RATIO', '1.5'],
    ['RETRY_BUDGET_RATIO', 'NaN'],
    ['BREAKER_FAILURES', '0'],
    ['BREAKER_OPEN_MS', '2.5'],
    ['MAX_IN_FLIGHT', '0'],
    ['PREDICTOR_RESOLVE_INTERVAL_MS', '-1'],
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
