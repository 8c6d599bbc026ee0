import type { ConfigService } from '@nestjs/config';
import type { PredictionResult } from '@ml-system/contracts';
import type { GatewayEnv } from '../config/gateway.config';
import { InputLogUnavailableError } from '../input-log/input-log.errors';
import type { InputLogWriteService } from '../input-log/input-log-write.service';
import type { PredictorClient } from '../predictor-client/predictor-client';
import { PredictorUnavailableError } from '../predictor-client/predictor.errors';
import { ProcessService } from './process.service';

const context = { requestId: 'r-1', receivedAt: Date.now() };
const forward = { data: 'my cat purrs', forward_to_model: true };

function service(
  log: Partial<InputLogWriteService>,
  predict: PredictorClient['predict'],
): ProcessService {
  const config = { get: () => 10_000 } as unknown as ConfigService<GatewayEnv, true>;
  return new ProcessService(
    { recordOutcome: jest.fn(), writable: () => true, ...log } as unknown as InputLogWriteService,
    { predict } as unknown as PredictorClient,
    config,
  );
}

describe(ProcessService.name, () => {
  it('answers 503 as soon as the log refuses the input, without waiting for the predictor', async () => {
    const hangs = jest.fn(() => new Promise<PredictionResult>(() => undefined));
    const processing = service(
      { appendInput: () => Promise.reject(new InputLogUnavailableError('the disk is full')) },
      hangs,
    );
    await expect(processing.process(forward, context)).rejects.toMatchObject({
      status: 503,
      code: 'INPUT_LOG_UNAVAILABLE',
    });
  });

  it('does not ask the predictor while the log is known to refuse inputs', async () => {
    const predict = jest.fn();
    const processing = service(
      {
        writable: () => false,
        appendInput: () => Promise.reject(new InputLogUnavailableError('the disk is full')),
      },
      predict,
    );
    await expect(processing.process(forward, context)).rejects.toMatchObject({ status: 503 });
    expect(predict).not.toHaveBeenCalled();
  });

  it("answers a failed prediction only once the input is durable, and the log's refusal wins", async () => {
    let refuse!: (error: Error) => void;
    const appended = new Promise<void>((_, reject) => (refuse = reject));
    let predictorFailed!: () => void;
    const failed = new Promise<void>((resolve) => (predictorFailed = resolve));
    const processing = service({ appendInput: () => appended }, () => {
      predictorFailed();
      return Promise.reject(new PredictorUnavailableError('no endpoint'));
    });
    const answer = processing.process(forward, context);
    let settled = false;
    void answer.catch(() => (settled = true));
    // The prediction has failed and every promise reaction it queued has run.
    await failed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    refuse(new InputLogUnavailableError('the disk is full'));
    await expect(answer).rejects.toMatchObject({ status: 503, code: 'INPUT_LOG_UNAVAILABLE' });
  });

  it("maps the predictor's error once the input is durable", async () => {
    const processing = service({ appendInput: () => Promise.resolve() }, () =>
      Promise.reject(new PredictorUnavailableError('no endpoint')),
    );
    await expect(processing.process(forward, context)).rejects.toMatchObject({
      status: 503,
      code: 'PREDICTOR_UNAVAILABLE',
    });
  });

  it('asks the predictor for the model and version named, and records what was asked', async () => {
    const appendInput = jest.fn(() => Promise.resolve());
    const result: PredictionResult = {
      prediction: {
        class: 'POSITIVE',
        confidence: 0.9,
        input_length: 12,
        model: { name: 'tiny-sentiment', version: '1' },
      },
      message: 'Predicted class: POSITIVE with 90.0% confidence',
    };
    const predict = jest.fn(() => Promise.resolve(result));
    const processing = service({ appendInput }, predict);
    const answer = await processing.process(
      { ...forward, model: 'tiny-sentiment', model_version: '1' },
      context,
    );
    expect(answer.model_prediction).toEqual(result);
    expect(predict).toHaveBeenCalledWith(forward.data, expect.anything(), {
      model: 'tiny-sentiment',
      version: '1',
    });
    expect(appendInput).toHaveBeenCalledWith(
      expect.objectContaining({ model: 'tiny-sentiment', model_version: '1' }),
    );
  });

  it('records no model fields for a request that names none (the seed record unchanged)', async () => {
    const appendInput = jest.fn((_record: object) => Promise.resolve());
    const processing = service({ appendInput }, () => Promise.reject(new Error('unused')));
    await processing.process({ data: 'x', forward_to_model: false }, context);
    expect(Object.keys(appendInput.mock.calls[0][0]).sort()).toEqual([
      'data',
      'forward_to_model',
      'id',
      'received_at',
    ]);
  });
});
