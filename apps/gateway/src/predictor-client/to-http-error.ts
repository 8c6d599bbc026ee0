import type { ProblemException } from '@ml-system/server-core';
import { classify } from './failure';

/**
 * The HTTP answer to a failure of the predictor call, as `classify` (failure.ts) decides it:
 * the one place a failure becomes a status.
 */
export function toHttpError(error: unknown): ProblemException {
  return classify(error).problem();
}
