/** The classes the bundled model knows; a swapped-in model may bring its own. */
export const ANIMAL_CLASSES = ['cat', 'dog', 'bird', 'fish', 'rabbit'] as const;

export type AnimalClass = (typeof ANIMAL_CLASSES)[number];

/** Which model answered. */
export interface ModelRef {
  name: string;
  version: string;
}

/**
 * One prediction, with the seed's wire names (`class`, `confidence`,
 * `input_length`). Fields may be added, never renamed.
 */
export interface Prediction {
  class: string;
  /** Calibrated probability of `class`, in [0, 1]. */
  confidence: number;
  /** Length of the input text, in characters. */
  input_length: number;
  model: ModelRef;
}

/** The seed's predict response: `{prediction, message}`. */
export interface PredictionResult {
  prediction: Prediction;
  message: string;
}

export interface BatchPredictionResult {
  predictions: PredictionResult[];
}

/** Metadata of the loaded model (`GET /model`, `predictor.model-info.v1`). */
export interface ModelInfo extends ModelRef {
  classes: string[];
  metadata: Record<string, unknown>;
}

/** Answer of `predictor.health.v1`: a real round trip through the message handler. */
export interface PredictorHealthReply {
  status: 'up';
  ready: boolean;
  model: ModelRef | null;
  uptime_s: number;
}

/** The seed's human-readable line: `Predicted class: cat with 93.0% confidence`. */
export function formatPredictionMessage(
  prediction: Pick<Prediction, 'class' | 'confidence'>,
): string {
  return `Predicted class: ${prediction.class} with ${(prediction.confidence * 100).toFixed(1)}% confidence`;
}

export function toPredictionResult(prediction: Prediction): PredictionResult {
  return { prediction, message: formatPredictionMessage(prediction) };
}

/** Release of the system, reported by `GET /` on both services. */
export const SYSTEM_VERSION = '1.0.0';
