/** One scored input, as the model sees it. */
export interface ModelOutput {
  label: string;
  /** Calibrated probability of `label`. */
  confidence: number;
}

/**
 * What the predictor needs from a model. The predict service depends on this
 * port only; a new model is one class implementing it (or a new artifact at
 * `MODEL_PATH` for the bundled implementation).
 */
export interface ModelPort {
  readonly name: string;
  readonly version: string;
  readonly classes: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * Scores a batch, in order. Must be deterministic and must not throw for any
   * string (the service has validated length and count).
   */
  predict(inputs: readonly string[]): ModelOutput[];
}

/** DI token of the loaded model. */
export const MODEL = Symbol('MODEL');
