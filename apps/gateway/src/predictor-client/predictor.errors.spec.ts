import { isPredictorError } from '@ml-system/contracts';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorRejectedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
  describeTransportError,
} from './predictor.errors';

describe(describeTransportError.name, () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });

  it.each([
    [errno('ECONNREFUSED'), 'connection refused'],
    [errno('ECONNRESET'), 'connection reset'],
    [errno('EPIPE'), 'connection reset'],
    [errno('ENOTFOUND'), 'name not resolved'],
    [new Error('Connection closed'), 'connection closed before the reply'],
    ['a string from the peer', 'a string from the peer'],
    [{ odd: true }, 'unexpected reply'],
  ])('describes %p as %p', (error, text) => {
    expect(describeTransportError(error)).toBe(text);
  });
});

describe('marked errors', () => {
  it('are recognised by their mark, also on a plain copy', () => {
    const unavailable = new PredictorUnavailableError('x');
    expect(PredictorUnavailableError.is(unavailable)).toBe(true);
    expect(PredictorUnavailableError.is({ ...unavailable })).toBe(true);
    expect(PredictorTimeoutError.is(unavailable)).toBe(false);
    expect(PredictorTimeoutError.is(new PredictorTimeoutError(5))).toBe(true);
    expect(PredictorUnavailableError.is(null)).toBe(false);
    expect(CircuitOpenError.is({ ...new CircuitOpenError(2, 3) })).toBe(true);
    expect(PredictorOverloadedError.is(new PredictorOverloadedError(1))).toBe(true);
    expect(CircuitOpenError.is(new PredictorOverloadedError(1))).toBe(false);
  });

  it("keep the predictor's code readable by isPredictorError when re-thrown as an Error", () => {
    const rejected = new PredictorRejectedError('SHUTTING_DOWN', 'draining');
    expect(rejected).toBeInstanceOf(Error);
    expect(isPredictorError(rejected)).toBe(true);
    expect(rejected).toMatchObject({ code: 'SHUTTING_DOWN', message: 'draining' });
    expect(PredictorRejectedError.is(rejected)).toBe(true);
    expect(PredictorRejectedError.is({ code: 'SHUTTING_DOWN', message: 'draining' })).toBe(false);
  });
});
