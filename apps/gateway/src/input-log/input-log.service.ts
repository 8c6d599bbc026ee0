import { Injectable, Logger } from '@nestjs/common';
import type { InputOutcome, InputRecord } from './input-log.types';

/**
 * Records every input the gateway accepts.
 *
 * TODO(#5): make this the durable, crash-safe append-only log (fsync before the
 * 2xx, recovery, query, rotation). Until then it writes one structured line per
 * input and outcome, without the text itself.
 */
@Injectable()
export class InputLogService {
  private readonly logger = new Logger('InputLog');

  /** Resolves once the record is stored; a rejection means the request must not be acknowledged. */
  async appendInput(record: InputRecord): Promise<void> {
    this.logger.log(
      `input ${record.id} received (${record.data.length} chars, forward_to_model=${String(record.forward_to_model)})`,
    );
  }

  /** Best effort: the outcome may be written after the response. */
  recordOutcome(id: string, outcome: InputOutcome): void {
    this.logger.log(`input ${id} ${outcome.status} in ${outcome.latency_ms} ms`);
  }

  /** For readiness: can records be written now? */
  writable(): boolean {
    return true;
  }
}
