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
