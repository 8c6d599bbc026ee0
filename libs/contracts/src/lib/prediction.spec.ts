import { formatPredictionMessage, toPredictionResult } from './prediction';

describe('formatPredictionMessage', () => {
  it.each([
    [0.93, 'Predicted class: cat with 93.0% confidence'],
    [0.2, 'Predicted class: cat with 20.0% confidence'],
    [0.98765, 'Predicted class: cat with 98.8% confidence'],
    [1, 'Predicted class: cat with 100.0% confidence'],
  ])('renders confidence %p with one decimal', (confidence, expected) => {
    expect(formatPredictionMessage({ class: 'cat', confidence })).toBe(expected);
  });

  it('builds the seed response shape', () => {
    const prediction = {
      class: 'dog',
      confidence: 0.5,
      input_length: 3,
      model: { name: 'm', version: '1' },
    };
    expect(toPredictionResult(prediction)).toEqual({
      prediction,
      message: 'Predicted class: dog with 50.0% confidence',
    });
  });
});
