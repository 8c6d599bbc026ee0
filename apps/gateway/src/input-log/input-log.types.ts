import type { INPUT_LOG_REDACTIONS } from '../config/gateway.config';

/**
 * The model a request asked for, when it named one, and what kind of request
 * it was. All absent for a seed `POST /process` (its records are unchanged).
 */
export interface RequestedModel {
  /** The model the request named (`model`, or the infer route's `{name}`). */
  model?: string;
  /** The version it named (`model_version`, or the route's `{v}`); absent: the latest. */
  model_version?: string;
  /**
   * `infer` for an Open Inference Protocol infer request, whose `data` is its
   * JSON body (docs/model-serving.md); absent for `POST /process`.
   */
  kind?: 'infer';
}

/** What is known of a request when it arrives. */
export interface InputRecord extends RequestedModel {
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
      /** The model that answered; absent in records written before it was recorded. */
      model?: string;
      model_version: string;
      latency_ms: number;
    }
  | {
      /** An infer request the model answered; `model_version` is the version that did. */
      status: 'inferred';
      /** The model that answered; absent in records written before it was recorded. */
      model?: string;
      model_version: string;
      latency_ms: number;
    }
  | { status: 'error'; code: string; latency_ms: number };

/** What of `data` is kept: the text, a salted hash of it, or only its length. */
export type Redaction = (typeof INPUT_LOG_REDACTIONS)[number];

/** The stored form of `data` under each redaction; exactly one of the value fields is present. */
export type RedactedData =
  | { redaction: 'none'; data: string }
  | { redaction: 'hash'; data_hash: string }
  | { redaction: 'length'; data_length: number };

/** The first record of a request, appended (and fsynced) before it is acknowledged. */
export type StoredInput = {
  type: 'input';
  id: string;
  received_at: string;
  forward_to_model: boolean;
} & RequestedModel &
  RedactedData;

/** The second record of a request, appended after it ended; joined to its input by `id`. */
export type StoredOutcome = { type: 'outcome'; id: string; recorded_at: string } & InputOutcome;

export type StoredRecord = StoredInput | StoredOutcome;

/** One request as `GET /logs` returns it: the input, merged with its outcome once that is recorded. */
export type InputLogEntry = {
  id: string;
  received_at: string;
  forward_to_model: boolean;
  outcome: (InputOutcome & { recorded_at: string }) | null;
} & RequestedModel &
  RedactedData;

/** A page of `GET /logs`, newest first; `next` is the `before` cursor of the following page. */
export interface InputLogPage {
  items: InputLogEntry[];
  next: string | null;
}

/** Counters for the metrics issue to export. */
export interface InputLogStats {
  /** Records made durable since start (inputs and outcomes). */
  recordsWritten: number;
  /** Synced writes (O_DSYNC); under load each carries many records. */
  batches: number;
  /** Duration of the latest synced write, ms (null before the first). */
  lastFsyncMs: number | null;
  /** Size of all segments on disk. */
  bytesOnDisk: number;
  segments: number;
  /** Inputs that can be found by id (within retention). */
  indexedInputs: number;
  /** Outcomes that could not be written (the input log was failing). */
  outcomesDropped: number;
}
