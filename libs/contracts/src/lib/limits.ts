/** Longest `data` / `input` text accepted, in UTF-16 code units (JavaScript string length). */
export const MAX_INPUT_CHARS = 10_000;

/** Longest request id carried in an RPC message's meta. */
export const MAX_REQUEST_ID_CHARS = 128;

/** Most inputs in one predict-batch call. */
export const MAX_BATCH_SIZE = 64;

/**
 * Largest frame the predictor's TCP server buffers, in characters. A full batch
 * of maximum-size inputs, JSON-escaped, fits with room to spare; anything larger
 * is hostile or broken and closes that connection only.
 */
export const MAX_RPC_FRAME_CHARS = 1_000_000;

/**
 * A model's name as a request names it: a repository folder name (docs/model-serving.md#the-repository),
 * safe in a path and in a metric label.
 */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A model version as a request names it: a repository version folder, a positive integer. */
export const MODEL_VERSION_PATTERN = /^[1-9]\d{0,8}$/;

/**
 * Largest Open Inference Protocol infer request the gateway forwards, in bytes
 * of its JSON (UTF-8). It travels inside one TCP frame and is kept whole in
 * the input log, whose records are bounded (256 KiB, escaping included): this
 * keeps both, whatever BODY_LIMIT_BYTES allows.
 */
export const MAX_INFER_REQUEST_BYTES = 64 * 1024;
