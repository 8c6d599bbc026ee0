import { PREDICTOR_ERROR_CODES, isPredictorError, predictorError } from './errors';

describe('isPredictorError', () => {
  it.each(PREDICTOR_ERROR_CODES)('accepts the %s code sent by the predictor', (code) => {
    expect(isPredictorError(predictorError(code, 'x'))).toBe(true);
  });

  it('rejects socket errors, which also carry code and message', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(isPredictorError(refused)).toBe(false);
  });

  it.each([null, undefined, 'INTERNAL', 42, {}, { code: 'INTERNAL' }, { code: 7, message: 'x' }])(
    'rejects %p',
    (value) => {
      expect(isPredictorError(value)).toBe(false);
    },
  );
});
