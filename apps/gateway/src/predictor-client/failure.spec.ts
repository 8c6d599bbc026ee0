import { PREDICTOR_ERROR_CODES, predictorError } from '@ml-system/contracts';
import { classify } from './failure';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorRejectedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';

describe(classify.name, () => {
  it.each([
    [new PredictorUnavailableError('connection refused'), true],
    [new PredictorTimeoutError(100), true],
    [new CircuitOpenError(1), true],
    [new PredictorRejectedError('SHUTTING_DOWN', 'x'), true],
    [predictorError('MODEL_NOT_READY', 'x'), true],
    [new PredictorRejectedError('INVALID_INPUT', 'x'), false],
    [predictorError('DEADLINE_EXCEEDED', 'x'), false],
    [predictorError('INTERNAL', 'x'), false],
    [predictorError('MODEL_UNAVAILABLE', 'x'), false],
    [predictorError('MODEL_NOT_FOUND', 'x'), false],
    [new PredictorOverloadedError(1), false],
  ])('retries %p: %p', (error, expected) => {
    expect(classify(error).retryable).toBe(expected);
  });

  it.each([
    [new PredictorTimeoutError(5), 'TIMEOUT'],
    [predictorError('DEADLINE_EXCEEDED', 'late'), 'DEADLINE_EXCEEDED'],
    [predictorError('INVALID_INPUT', 'x'), 'INVALID_INPUT'],
    [new PredictorUnavailableError('connection refused'), 'UNAVAILABLE'],
    [Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'UNAVAILABLE'],
    ['Connection closed', 'UNAVAILABLE'],
  ])('labels the outcome of %p %s', (error, outcome) => {
    expect(classify(error).outcome).toBe(outcome);
  });

  it('counts against the endpoint no answer, and the codes that say it cannot take work', () => {
    const down = PREDICTOR_ERROR_CODES.filter(
      (code) => classify(predictorError(code, 'm')).endpointDown,
    );
    expect(down.sort()).toEqual(['MODEL_NOT_READY', 'SHUTTING_DOWN']);
    expect(classify(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).endpointDown).toBe(
      true,
    );
    expect(classify(new PredictorTimeoutError(5)).endpointDown).toBe(true);
  });

  it('retries exactly what counts against the endpoint, among the predictor codes', () => {
    for (const code of PREDICTOR_ERROR_CODES) {
      const failure = classify(predictorError(code, 'm'));
      expect({ code, retryable: failure.retryable }).toEqual({
        code,
        retryable: failure.endpointDown,
      });
    }
  });

  it('answers a named model that is not ready with a 503, without counting it against the endpoint', () => {
    const failure = classify(
      predictorError('MODEL_UNAVAILABLE', 'model "m" version 3 is UNAVAILABLE'),
    );
    expect(failure.endpointDown).toBe(false);
    const problem = failure.problem();
    expect(problem).toMatchObject({ code: 'MODEL_NOT_READY', headers: { 'retry-after': '1' } });
    expect(problem.getStatus()).toBe(503);
    expect(problem.detail).toMatch(/^Predictor is unavailable for this model: model "m" version 3/);
  });

  it('answers an unknown model with a 404 MODEL_NOT_FOUND, never retried nor counted', () => {
    const failure = classify(predictorError('MODEL_NOT_FOUND', 'unknown model "nope"'));
    expect(failure).toMatchObject({ retryable: false, endpointDown: false });
    expect(failure.problem().getStatus()).toBe(404);
    expect(failure.problem().code).toBe('MODEL_NOT_FOUND');
  });
});
