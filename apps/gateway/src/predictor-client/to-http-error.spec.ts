import { PREDICTOR_ERROR_CODES, predictorError } from '@ml-system/contracts';
import { toHttpError } from './to-http-error';
import { PredictorTimeoutError, PredictorUnavailableError } from './predictor.errors';

describe(toHttpError.name, () => {
  it('maps an unreachable predictor to 503 with Retry-After and the documented detail', () => {
    const problem = toHttpError(new PredictorUnavailableError('connection refused', 2));
    expect(problem.getStatus()).toBe(503);
    expect(problem.code).toBe('PREDICTOR_UNAVAILABLE');
    expect(problem.detail).toMatch(/^Predictor is unavailable/);
    expect(problem.headers).toEqual({ 'retry-after': '2' });
  });

  it('maps a timeout to 504', () => {
    expect(toHttpError(new PredictorTimeoutError(1000)).getStatus()).toBe(504);
  });

  it.each([
    ['INVALID_INPUT', 400],
    ['BATCH_TOO_LARGE', 400],
    ['DEADLINE_EXCEEDED', 504],
    ['MODEL_NOT_READY', 503],
    ['SHUTTING_DOWN', 503],
    ['INTERNAL', 502],
  ] as const)('maps the predictor code %s to %i', (code, status) => {
    expect(toHttpError(predictorError(code, 'm')).getStatus()).toBe(status);
  });

  it('has a mapping for every predictor code', () => {
    for (const code of PREDICTOR_ERROR_CODES) {
      expect(toHttpError(predictorError(code, 'm')).getStatus()).toBeGreaterThanOrEqual(400);
    }
  });

  it.each([
    'Connection closed',
    { message: 'weird' },
    null,
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  ])('treats an unrecognised failure (%p) as unavailable, not as a 500', (error) => {
    const problem = toHttpError(error);
    expect(problem.getStatus()).toBe(503);
    expect(problem.detail).toMatch(/^Predictor is unavailable/);
  });
});
