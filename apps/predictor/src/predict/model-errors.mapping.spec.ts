import { RpcException } from '@nestjs/microservices';
import { ModelServingError } from '../model/model-errors';
import { asNamedModelRpcError, asRpcError } from './model-errors.mapping';

/** The predictor error `map` throws for `error`. */
function sent(map: (error: unknown) => never, error: unknown): unknown {
  try {
    map(error);
  } catch (thrown) {
    return thrown instanceof RpcException ? thrown.getError() : thrown;
  }
  throw new Error('did not throw');
}

describe('model errors on the TCP face', () => {
  const notReady = new ModelServingError('MODEL_NOT_READY', 'model "m" version 3 is UNAVAILABLE');

  it('keeps MODEL_NOT_READY for the default model: the predictor takes no work', () => {
    expect(sent(asRpcError, notReady)).toEqual({
      code: 'MODEL_NOT_READY',
      message: notReady.message,
    });
  });

  it('says MODEL_UNAVAILABLE for a model the request named: that model is not ready, the predictor is', () => {
    expect(sent(asNamedModelRpcError, notReady)).toEqual({
      code: 'MODEL_UNAVAILABLE',
      message: notReady.message,
    });
    const unknown = new ModelServingError('MODEL_NOT_FOUND', 'unknown model "x"');
    expect(sent(asNamedModelRpcError, unknown)).toEqual({
      code: 'MODEL_NOT_FOUND',
      message: unknown.message,
    });
  });

  it('rethrows anything else as it is: a bug', () => {
    const bug = new TypeError('boom');
    expect(sent(asNamedModelRpcError, bug)).toBe(bug);
  });
});
