import type { ConfigService } from '@nestjs/config';
import { MAX_INFER_REQUEST_BYTES } from '@ml-system/contracts';
import type { OipInferResponse } from '@ml-system/contracts';
import type { GatewayEnv } from '../config/gateway.config';
import { InputLogUnavailableError } from '../input-log/input-log.errors';
import type { InputLogWriteService } from '../input-log/input-log-write.service';
import type { PredictorClient } from '../predictor-client/predictor-client';
import { PredictorRejectedError } from '../predictor-client/predictor.errors';
import { InferenceService } from './inference.service';

const context = { requestId: 'r-1', receivedAt: Date.now() };
const body = { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['great film'] }] };
const answer: OipInferResponse = {
  model_name: 'tiny-sentiment',
  model_version: '2',
  outputs: [{ name: 'label', datatype: 'BYTES', shape: [1], data: ['POSITIVE'] }],
};

function service(
  log: Partial<InputLogWriteService>,
  predictor: Partial<PredictorClient>,
): InferenceService {
  const config = { get: () => 10_000 } as unknown as ConfigService<GatewayEnv, true>;
  return new InferenceService(
    {
      appendInput: () => Promise.resolve(),
      recordOutcome: jest.fn(),
      writable: () => true,
      ...log,
    } as unknown as InputLogWriteService,
    predictor as PredictorClient,
    config,
  );
}

describe(InferenceService.name, () => {
  it("records the request (its JSON body, the model asked for) and answers the predictor's response as it is", async () => {
    const appendInput = jest.fn(() => Promise.resolve());
    const recordOutcome = jest.fn();
    const infer = jest.fn(() => Promise.resolve(answer));
    const inference = service({ appendInput, recordOutcome }, { infer });
    await expect(
      inference.infer({ model: 'tiny-sentiment', version: '2' }, body, context),
    ).resolves.toBe(answer);
    expect(appendInput).toHaveBeenCalledWith({
      id: 'r-1',
      received_at: new Date(context.receivedAt).toISOString(),
      data: JSON.stringify(body),
      forward_to_model: true,
      model: 'tiny-sentiment',
      model_version: '2',
      kind: 'infer',
    });
    expect(infer).toHaveBeenCalledWith(
      { model: 'tiny-sentiment', version: '2' },
      body,
      expect.objectContaining({ requestId: 'r-1', deadline: context.receivedAt + 10_000 }),
    );
    expect(recordOutcome).toHaveBeenCalledWith(
      'r-1',
      expect.objectContaining({ status: 'inferred', model: 'tiny-sentiment', model_version: '2' }),
    );
  });

  it("maps the predictor's MODEL_NOT_FOUND to a 404 problem, and records the error", async () => {
    const recordOutcome = jest.fn();
    const inference = service(
      { recordOutcome },
      {
        infer: () =>
          Promise.reject(new PredictorRejectedError('MODEL_NOT_FOUND', 'unknown model "nope"')),
      },
    );
    await expect(inference.infer({ model: 'nope' }, body, context)).rejects.toMatchObject({
      status: 404,
      code: 'MODEL_NOT_FOUND',
    });
    expect(recordOutcome).toHaveBeenCalledWith(
      'r-1',
      expect.objectContaining({ status: 'error', code: 'MODEL_NOT_FOUND' }),
    );
  });

  it('maps bad tensors (INVALID_INPUT) to a 400 problem', async () => {
    const inference = service(
      {},
      {
        infer: () =>
          Promise.reject(new PredictorRejectedError('INVALID_INPUT', 'shape holds 2 elements')),
      },
    );
    await expect(inference.infer({ model: 'm' }, body, context)).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
  });

  it('refuses a request over MAX_INFER_REQUEST_BYTES with 413, before logging or forwarding it', async () => {
    const appendInput = jest.fn();
    const infer = jest.fn();
    const inference = service({ appendInput }, { infer });
    const big = { inputs: [{ name: 'x', data: ['é'.repeat(MAX_INFER_REQUEST_BYTES / 2)] }] };
    await expect(inference.infer({ model: 'm' }, big, context)).rejects.toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(appendInput).not.toHaveBeenCalled();
    expect(infer).not.toHaveBeenCalled();
  });

  it('records the JSON text the client sent when it has it, sizes that text, and reports success', async () => {
    const appendInput = jest.fn(() => Promise.resolve());
    const outcome = jest.fn();
    const inference = service({ appendInput }, { infer: () => Promise.resolve(answer) });
    const bodyText = ` ${JSON.stringify(body, null, 2)} `;
    await inference.infer({ model: 'm' }, body, { ...context, bodyText, outcome });
    expect(appendInput).toHaveBeenCalledWith(expect.objectContaining({ data: bodyText }));
    expect(outcome).toHaveBeenCalledTimes(1);

    const padded = `${JSON.stringify(body)}${' '.repeat(MAX_INFER_REQUEST_BYTES)}`;
    await expect(
      inference.infer({ model: 'm' }, body, { ...context, bodyText: padded, outcome }),
    ).rejects.toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(appendInput).toHaveBeenCalledTimes(1);
    expect(outcome).toHaveBeenCalledTimes(1);
  });

  it('answers 503 when the input log refuses the request, even when the model answered', async () => {
    const inference = service(
      { appendInput: () => Promise.reject(new InputLogUnavailableError('the disk is full')) },
      { infer: () => Promise.resolve(answer) },
    );
    await expect(inference.infer({ model: 'm' }, body, context)).rejects.toMatchObject({
      status: 503,
      code: 'INPUT_LOG_UNAVAILABLE',
    });
  });

  it('forwards metadata and readiness, mapping an unknown model to 404', async () => {
    const modelReady = jest.fn(() => Promise.resolve({ name: 'm', ready: false }));
    const modelMetadata = jest.fn(() =>
      Promise.reject(new PredictorRejectedError('MODEL_NOT_FOUND', 'unknown model "m"')),
    );
    const inference = service({}, { modelReady, modelMetadata });
    await expect(inference.ready({ model: 'm' }, context)).resolves.toEqual({
      name: 'm',
      ready: false,
    });
    await expect(inference.metadata({ model: 'm' }, context)).rejects.toMatchObject({
      status: 404,
      code: 'MODEL_NOT_FOUND',
    });
  });
});
