import { Inject, Injectable } from '@nestjs/common';
import { InputLogUnavailableError } from './input-log.errors';
import { INPUT_LOG_STORE } from './input-log.store';
import type { InputLogStore } from './input-log.store';
import type { InputOutcome, InputRecord } from './input-log.types';
import { InputLogShipping } from './shipping/input-log-shipping.service';

const BACKLOG_FULL = 'the backlog not yet shipped to the database is full';

/**
 * The request path's side of the input log: an input is durable before its
 * request is acknowledged, and its outcome follows without being awaited.
 * With a database, inputs are refused once the unshipped backlog reaches its
 * bound, rather than lose any.
 */
@Injectable()
export class InputLogWriteService {
  constructor(
    @Inject(INPUT_LOG_STORE) private readonly store: InputLogStore,
    private readonly shipping: InputLogShipping,
  ) {}

  /** Settles when the log has been opened (or has failed to open) at start. */
  whenOpen(): Promise<void> {
    return this.store.whenOpen();
  }

  /**
   * Resolves once the input is on disk; only then may the request be acknowledged.
   * @throws InputLogUnavailableError when the log cannot take it.
   */
  appendInput(record: InputRecord): Promise<unknown> {
    if (this.shipping.backlogFull())
      return Promise.reject(new InputLogUnavailableError(BACKLOG_FULL));
    return this.store.appendInput(record);
  }

  /** Appends how the request ended; not awaited, and a failure only counts in the stats. */
  recordOutcome(id: string, outcome: InputOutcome): void {
    this.store.recordOutcome(id, outcome);
  }

  /** For readiness: can inputs be recorded now? */
  writable(): boolean {
    return this.store.writable() && !this.shipping.backlogFull();
  }

  /** Why inputs are refused (no path, fit for a health report), or null while they are taken. */
  unavailableReason(): string | null {
    return this.store.unavailableReason() ?? (this.shipping.backlogFull() ? BACKLOG_FULL : null);
  }
}
