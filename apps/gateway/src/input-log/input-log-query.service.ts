import { Inject, Injectable } from '@nestjs/common';
import { INPUT_LOG_STORE } from './input-log.store';
import type { InputLogStore } from './input-log.store';
import type { InputLogEntry, InputLogPage } from './input-log.types';

/** What `GET /logs` reads: inputs by id, or newest first a page at a time. */
@Injectable()
export class InputLogQueryService {
  constructor(@Inject(INPUT_LOG_STORE) private readonly store: InputLogStore) {}

  /**
   * The latest input logged with this id, merged with its outcome; null if unknown or past retention.
   * @throws InputLogUnavailableError when the log could never be opened.
   */
  find(id: string): Promise<InputLogEntry | null> {
    return this.store.find(id);
  }

  /**
   * Inputs newest first, `limit` at a time.
   * @throws InputLogUnavailableError when the log could never be opened.
   * @throws RangeError for a `before` that is not a cursor of this log.
   */
  list(query: { limit: number; before?: string | undefined }): Promise<InputLogPage> {
    return this.store.list(query);
  }
}
