import type { PredictionResult } from '@ml-system/contracts';
import { PredictorClient } from '../predictor-client/predictor-client';
import { strictMock } from './strict-mock';

/** What a fake predictor answers: cat, 93%, for a three-character input. */
export const CAT: PredictionResult = {
  prediction: {
    class: 'cat',
    confidence: 0.93,
    input_length: 3,
    model: { name: 'm', version: '1' },
  },
  message: 'Predicted class: cat with 93.0% confidence',
};

/**
 * A predictor client that always answers CAT, and whose endpoints never answer
 * the health pattern (so `/health` is 'degraded', still 200). Anything else
 * called on it fails the spec.
 */
export const answeringPredictor = (): PredictorClient =>
  strictMock(PredictorClient, {
    predict: async () => CAT,
    checkEndpoints: async () => [],
  });
