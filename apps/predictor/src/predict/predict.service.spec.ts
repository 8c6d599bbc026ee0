import { Registry } from 'prom-client';
import { PredictorMetrics } from '../observability/predictor.metrics';
import { FakeModel } from '../testing/fake-model';
import { PredictService } from './predict.service';

describe(PredictService.name, () => {
  const service = new PredictService(new FakeModel(), new PredictorMetrics(new Registry()));

  it('returns the seed shape with the model reference and a rounded confidence', () => {
    expect(service.predictOne('my cat sleeps')).toEqual({
      prediction: {
        class: 'cat',
        confidence: 0.9123,
        input_length: 13,
        model: { name: 'fake-model', version: '0.0.1' },
      },
      message: 'Predicted class: cat with 91.2% confidence',
    });
  });

  it('keeps the order of a batch', () => {
    const results = service.predict(['a dog', 'a fish', 'a bird']);
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
});
