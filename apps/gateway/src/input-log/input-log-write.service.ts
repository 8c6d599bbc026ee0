import { Inject, Injectable } from '@nestjs/common';
import { INPUT_LOG_STORE } from './input-log.store';
import type { InputLogStore } from './input-log.store';
import type { InputOutcome, InputRecord } from './input-log.types';

/**
 * The request path's side of the input log: an input is durable before its
 * request is acknowledged, and its outcome follows without being awaited.
 */
@Injectable()
export class InputLogWriteService {
  constructor(@Inject(INPUT_LOG_STORE) private readonly store: InputLogStore) {}

  /** Settles when the log has been opened (or has failed to open) at start. */
  whenOpen(): Promise<void> {
    return this.store.whenOpen();
  }

  /**
   * Resolves once the input is on disk; only then may the request be acknowledged.
   * @throws InputLogUnavailableError when the log cannot take it.
   */
  appendInput(record: InputRecord): Promise<void> {
    return this.store.appendInput(record);
  }

  /** Appends how the request ended; not awaited, and a failure only counts in the stats. */
  recordOutcome(id: string, outcome: InputOutcome): void {
    this.store.recordOutcome(id, outcome);
  }

  /** For readiness: can inputs be recorded now? */
  writable(): boolean {
    return this.store.writable();
  }

  /** Why inputs are refused (no path, fit for a health report), or null while they are taken. */
  unavailableReason(): string | null {
    return this.store.unavailableReason();
  }
}
