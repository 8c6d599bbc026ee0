/**
 * Message patterns of the predictor's TCP interface.
 *
 * Each carries its version: a breaking change to a payload gets a new pattern
 * (`.v2`) served beside the old one, so a gateway and a predictor of different
 * releases can still talk during a rolling deploy.
 */
export const PREDICTOR_PATTERNS = {
  predict: 'predictor.predict.v1',
  predictBatch: 'predictor.predict-batch.v1',
  /**
   * Several independent requests in one frame (the gateway coalesces the
   * predict calls that arrive together), each with its own meta and its own
   * outcome. Not a client batch: one item's failure is that item's alone.
   */
  predictMany: 'predictor.predict-many.v1',
  health: 'predictor.health.v1',
  modelInfo: 'predictor.model-info.v1',
  /**
   * An Open Inference Protocol v2 infer request for one model (version), as
   * the predictor's `POST /v2/models/{name}[/versions/{v}]/infer` takes it;
   * the reply is that route's response body.
   */
  infer: 'predictor.infer.v1',
  /** OIP model metadata (`GET /v2/models/{name}[/versions/{v}]`). */
  modelMetadata: 'predictor.model-metadata.v1',
  /** OIP model readiness (`GET /v2/models/{name}[/versions/{v}]/ready`). */
  modelReady: 'predictor.model-ready.v1',
} as const;

export type PredictorPattern = (typeof PREDICTOR_PATTERNS)[keyof typeof PREDICTOR_PATTERNS];
