import { ConfigValidationError } from '@ml-system/server-core';
import { validateGatewayEnv } from './gateway.config';

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
      RATE_LIMIT_MAX: 6000,
      RATE_LIMIT_WINDOW_MS: 60_000,
      HTTP_REQUEST_TIMEOUT_MS: 15_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000,
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

  it('leaves the security settings unset by default', () => {
    const env = validateGatewayEnv({});
    expect(env.API_KEYS).toBeUndefined();
    expect(env.API_KEYS_FILE).toBeUndefined();
    expect(env.CORS_ORIGINS).toBeUndefined();
    expect(env.RPC_TLS_CA).toBeUndefined();
  });

  it('accepts the security settings', () => {
    expect(
      validateGatewayEnv({
        API_KEYS: ' alpha-key-0123456789 , bravo-key-0123456789',
        API_KEYS_FILE: '/etc/gateway/keys',
        RATE_LIMIT_MAX: '0',
        RATE_LIMIT_WINDOW_MS: '1000',
        CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
        RPC_TLS_CA: '/tls/ca.pem',
        RPC_TLS_CERT: '/tls/gateway.pem',
        RPC_TLS_KEY: '/tls/gateway.key',
        RPC_TLS_SERVERNAME: 'predictor.internal',
      }),
    ).toMatchObject({ RATE_LIMIT_MAX: 0, RPC_TLS_KEY: '/tls/gateway.key' });
  });

  it.each([
    [{ RPC_TLS_CA: '/ca.pem' }, 'missing: RPC_TLS_CERT, RPC_TLS_KEY'],
    [{ RPC_TLS_CERT: '/c.pem', RPC_TLS_KEY: '/k.pem' }, 'missing: RPC_TLS_CA'],
    [{ RPC_TLS_CA: '/ca.pem', RPC_TLS_KEY: '/k.pem' }, 'missing: RPC_TLS_CERT'],
  ])('refuses the partial TLS set %j, naming the variables', (env, missing) => {
    expect(() => validateGatewayEnv(env)).toThrow(
      `RPC_TLS_CA, RPC_TLS_CERT and RPC_TLS_KEY must be set together or not at all (${missing})`,
    );
  });

  it('refuses a short INPUT_LOG_HASH_SALT without printing it', () => {
    expect(() => validateGatewayEnv({ INPUT_LOG_HASH_SALT: 'short' })).toThrow(
      'INPUT_LOG_HASH_SALT=(redacted)',
    );
    expect(() => validateGatewayEnv({ INPUT_LOG_HASH_SALT: 'short' })).not.toThrow(/short/);
  });

  it('refuses short API keys without printing them', () => {
    expect(() => validateGatewayEnv({ API_KEYS: 'secret1' })).toThrow(
      'API_KEYS=(redacted): must be a comma list',
    );
    expect(() => validateGatewayEnv({ API_KEYS: 'secret1' })).not.toThrow(/secret1/);
  });

  it('refuses headers timeout above the request timeout, as Node would at listen', () => {
    expect(() =>
      validateGatewayEnv({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '15000' }),
    ).toThrow('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (15000)');
  });

  it('refuses a request deadline that the idle-socket timeout would cut', () => {
    expect(() => validateGatewayEnv({ REQUEST_DEADLINE_MS: '20000' })).toThrow(
      'REQUEST_DEADLINE_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (15000)',
    );
    expect(() =>
      validateGatewayEnv({ REQUEST_DEADLINE_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '30000' }),
    ).not.toThrow();
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
    ['RATE_LIMIT_MAX', '-1'],
    ['RATE_LIMIT_WINDOW_MS', '10'],
    ['HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['HTTP_HEADERS_TIMEOUT_MS', 'soon'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', '-5'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'https://a.example/path'],
    ['CORS_ORIGINS', 'a.example'],
    ['INPUT_LOG_REDACTION', 'sha256'],
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
    ['LOG_PRETTY', 'yes'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('stops on %s=%s, naming the variable', (name, value) => {
    expect(() => validateGatewayEnv({ [name]: value })).toThrow(ConfigValidationError);
    expect(() => validateGatewayEnv({ [name]: value })).toThrow(`${name}=${JSON.stringify(value)}`);
  });
});
