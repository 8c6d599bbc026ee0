import { Registry } from 'prom-client';
import { ModelRegistry } from '../model/model-registry';
import { PredictorMetrics } from '../observability/predictor.metrics';
import { FakeModel } from '../testing/fake-model';
import { PredictService } from './predict.service';

describe(PredictService.name, () => {
  const service = new PredictService(
    ModelRegistry.of(new FakeModel()),
    new PredictorMetrics(new Registry()),
  );

  it('returns the seed shape with the model reference and a rounded confidence', async () => {
    await expect(service.predictOne('my cat sleeps')).resolves.toEqual({
      prediction: {
        class: 'cat',
        confidence: 0.9123,
        input_length: 13,
        model: { name: 'fake-model', version: '0.0.1' },
      },
      message: 'Predicted class: cat with 91.2% confidence',
    });
  });

  it('keeps the order of a batch', async () => {
    const results = await service.predict(['a dog', 'a fish', 'a bird']);
    expect(results.map((r) => r.prediction.class)).toEqual(['dog', 'fish', 'bird']);
    expect(results.map((r) => r.prediction.input_length)).toEqual([5, 6, 6]);
  });

  it('reports the model metadata', () => {
    expect(service.info()).toEqual({
      name: 'fake-model',
      version: '0.0.1',
      classes: ['cat', 'dog', 'bird', 'fish', 'rabbit'],
      metadata: { kind: 'fake' },
    });
  });

  it('refuses a model or a version it does not have with MODEL_NOT_FOUND', async () => {
    await expect(service.predictOne('x', { model: 'nope' })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    await expect(service.predictOne('x', { version: '7' })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    await expect(service.predictOne('my dog', { version: '1' })).resolves.toMatchObject({
      prediction: { class: 'dog' },
    });
  });
});
