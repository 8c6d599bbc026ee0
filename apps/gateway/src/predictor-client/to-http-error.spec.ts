import { PREDICTOR_ERROR_CODES, predictorError } from '@ml-system/contracts';
import { toHttpError } from './to-http-error';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorRejectedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';

describe(toHttpError.name, () => {
  it('maps an unreachable predictor to 503 with Retry-After and the documented detail', () => {
    const problem = toHttpError(new PredictorUnavailableError('connection refused', 2));
    expect(problem.getStatus()).toBe(503);
    expect(problem.code).toBe('PREDICTOR_UNAVAILABLE');
    expect(problem.detail).toMatch(/^Predictor is unavailable/);
    expect(problem.headers).toEqual({ 'retry-after': '2' });
  });

  it('maps every open circuit to 503 CIRCUIT_OPEN with the seconds until a probe', () => {
    const problem = toHttpError(new CircuitOpenError(3, 4));
    expect(problem.getStatus()).toBe(503);
    expect(problem.code).toBe('CIRCUIT_OPEN');
    expect(problem.detail).toBe(
      'Predictor is unavailable: the circuit is open for all 3 endpoints',
    );
    expect(problem.headers).toEqual({ 'retry-after': '4' });
    expect(toHttpError(new CircuitOpenError(1)).detail).toBe(
      'Predictor is unavailable: the circuit is open for its endpoint',
    );
  });

  it('maps too many calls in flight to 503 OVERLOADED with Retry-After', () => {
    const problem = toHttpError(new PredictorOverloadedError(1024));
    expect(problem.getStatus()).toBe(503);
    expect(problem.code).toBe('OVERLOADED');
    expect(problem.detail).toBe('Predictor is unavailable: 1024 calls already in flight');
    expect(problem.headers).toEqual({ 'retry-after': '1' });
  });

  it('maps a predictor error re-thrown as PredictorRejectedError like the wire object', () => {
    const problem = toHttpError(
      new PredictorRejectedError('INVALID_INPUT', 'input must be a string'),
    );
    expect(problem.getStatus()).toBe(400);
    expect(problem.detail).toBe('The model refused the input: input must be a string');
  });

  it('maps a timeout to 504', () => {
    expect(toHttpError(new PredictorTimeoutError(1000)).getStatus()).toBe(504);
  });

  it.each([
    ['INVALID_INPUT', 400],
    ['BATCH_TOO_LARGE', 400],
    ['DEADLINE_EXCEEDED', 504],
    ['MODEL_NOT_READY', 503],
    ['MODEL_NOT_FOUND', 404],
    ['OVERLOADED', 503],
    ['SHUTTING_DOWN', 503],
    ['INTERNAL', 502],
  ] as const)('maps the predictor code %s to %i', (code, status) => {
    expect(toHttpError(predictorError(code, 'm')).getStatus()).toBe(status);
  });

  it('has a mapping for every predictor code, and a 503 detail always starts with "Predictor is unavailable"', () => {
    for (const code of PREDICTOR_ERROR_CODES) {
      const problem = toHttpError(predictorError(code, 'm'));
      expect(problem.getStatus()).toBeGreaterThanOrEqual(400);
      if (problem.getStatus() === 503) expect(problem.detail).toMatch(/^Predictor is unavailable/);
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
