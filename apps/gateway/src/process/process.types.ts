import type { PredictionResult } from '@ml-system/contracts';

export const LOGGED_STATUS = 'Input logged successfully';

/** The seed's response, plus the request id. Fields may be added, never renamed. */
export interface ProcessResponse {
  status: typeof LOGGED_STATUS;
  model_prediction?: PredictionResult;
  request_id: string;
}
