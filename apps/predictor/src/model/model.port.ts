import type { Tensor, TensorSpec } from './tensors';

export type { TensorSpec } from './tensors';

/** One scored input, as the model sees it. */
export interface ModelOutput {
  label: string;
  /** Calibrated probability of `label`. */
  confidence: number;
}

/**
 * What the predictor needs from one loaded model version. The predict
 * service and the inference controller depend on this port only.
 */
export interface ModelPort {
  /** The name predictions report (`prediction.model.name`). */
  readonly name: string;
  /** The version predictions report (`prediction.model.version`). */
  readonly version: string;
  /** Output classes of a text classifier, in id order; empty for a model that takes tensors only. */
  readonly classes: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** OIP `platform`, e.g. `onnxruntime_onnx`. */
  readonly platform: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * Scores a batch of texts, in order. Rejects with a ModelServingError for
   * what the caller did wrong (a model that takes no text), anything else is
   * a bug. The service has validated length and count. `deadline` (epoch
   * ms): a model that queues drops the request, DEADLINE_EXCEEDED, if it
   * is still waiting then.
   */
  predict(inputs: readonly string[], deadline?: number): Promise<ModelOutput[]>;
  /**
   * Runs the model on named tensors, already checked against `inputs`
   * (checkInferRequest), and returns the outputs named in `outputs`, or all.
   * `deadline` (epoch ms): as for `predict`, dropped before the run once past.
   */
  infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputs?: readonly string[],
    deadline?: number,
  ): Promise<Tensor[]>;
  /** Releases what the model holds (its worker); answers what it already accepted first. */
  close(): Promise<void>;
}
