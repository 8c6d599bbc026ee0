import type {
  InputLogEntry,
  InputLogPage,
  InputLogStats,
  InputOutcome,
  InputRecord,
} from './input-log.types';

/**
 * What the input log's services need from where records are kept. The
 * local segment log (`storage/`) is the one engine today: the write-ahead
 * record a 2xx waits for.
 */
export interface InputLogStore {
  /** Settles when the first attempt to open the store has finished, whether or not it succeeded. */
  whenOpen(): Promise<void>;
  /**
   * Resolves once the input is durable; only then may the request be acknowledged. Its value
   * is of no use (unknown, so that the engine may hand out its own promise as it is).
   * @throws InputLogUnavailableError when the store cannot take it.
   */
  appendInput(record: InputRecord): Promise<unknown>;
  /** Records how the request ended; not awaited by the request, never throws. */
  recordOutcome(id: string, outcome: InputOutcome): void;
  /** Can inputs be recorded now? */
  writable(): boolean;
  /** Why inputs are refused (fit for a client or a health report), or null while they are taken. */
  unavailableReason(): string | null;
  /**
   * The latest input with this id, merged with its outcome; null if unknown.
   * @throws InputLogUnavailableError when the store could never be opened.
   */
  find(id: string): Promise<InputLogEntry | null>;
  /**
   * Inputs newest first; `before` is a page's `next`.
   * @throws RangeError for a `before` that is not a cursor of this store.
   */
  list(query: { limit: number; before?: string | undefined }): Promise<InputLogPage>;
  stats(): InputLogStats;
}

/** DI token of the `InputLogStore` the services use. */
export const INPUT_LOG_STORE = Symbol('INPUT_LOG_STORE');
