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
});
