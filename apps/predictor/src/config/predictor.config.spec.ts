import { ConfigValidationError } from '@ml-system/server-core';
import { validatePredictorEnv } from './predictor.config';

describe('validatePredictorEnv', () => {
  it('fills the documented defaults', () => {
    const env = validatePredictorEnv({});
    expect(env).toMatchObject({
      PREDICTOR_TCP_HOST: '127.0.0.1',
      PREDICTOR_TCP_PORT: 8877,
      PREDICTOR_HTTP_HOST: '127.0.0.1',
      PREDICTOR_HTTP_PORT: 8001,
      LOG_LEVEL: 'info',
    });
    expect(env.MODEL_PATH).toBeUndefined();
  });

  it('converts numeric strings', () => {
    expect(validatePredictorEnv({ PREDICTOR_TCP_PORT: '9000' }).PREDICTOR_TCP_PORT).toBe(9000);
  });

  it('names every bad variable in one error', () => {
    expect(() => validatePredictorEnv({ PREDICTOR_TCP_PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(
      ConfigValidationError,
    );
    try {
      validatePredictorEnv({ PREDICTOR_TCP_PORT: '70000', LOG_LEVEL: 'loud' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PREDICTOR_TCP_PORT="70000"');
      expect(message).toContain('LOG_LEVEL="loud"');
    }
  });

  it('takes RPC_TLS_CA, RPC_TLS_CERT and RPC_TLS_KEY together', () => {
    expect(validatePredictorEnv({}).RPC_TLS_CA).toBeUndefined();
    expect(
      validatePredictorEnv({
        RPC_TLS_CA: '/ca.pem',
        RPC_TLS_CERT: '/p.pem',
        RPC_TLS_KEY: '/p.key',
      }),
    ).toMatchObject({ RPC_TLS_CA: '/ca.pem', RPC_TLS_CERT: '/p.pem', RPC_TLS_KEY: '/p.key' });
  });

  it.each([
    [{ RPC_TLS_CERT: '/p.pem' }, 'missing: RPC_TLS_CA, RPC_TLS_KEY'],
    [{ RPC_TLS_CA: '/ca.pem', RPC_TLS_CERT: '/p.pem' }, 'missing: RPC_TLS_KEY'],
  ])('refuses the partial TLS set %j, naming the variables', (env, missing) => {
    expect(() => validatePredictorEnv(env)).toThrow(
      `RPC_TLS_CA, RPC_TLS_CERT and RPC_TLS_KEY must be set together or not at all (${missing})`,
    );
  });
});
