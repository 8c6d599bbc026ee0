/** What is known of a request when it arrives. */
export interface InputRecord {
  /** The request id the client receives as `request_id` and `x-request-id`. */
  id: string;
  /** Arrival, ISO 8601. */
  received_at: string;
  data: string;
  forward_to_model: boolean;
}

/** How the request ended. */
export type InputOutcome =
  | { status: 'logged'; latency_ms: number }
  | {
      status: 'predicted';
      class: string;
      confidence: number;
      model_version: string;
      latency_ms: number;
    }
  | { status: 'error'; code: string; latency_ms: number };
