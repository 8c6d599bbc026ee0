/*
 * The one place the engine comparison reaches into the gateway: it measures
 * the gateway's own segment engine, and the candidate adapters implement the
 * gateway's store interface and reuse its redaction, so that all three are
 * held to the same contract. Tools may not depend on apps by the module
 * boundaries; this comparison is the exception that has to.
 */
/* eslint-disable @nx/enforce-module-boundaries */
export type { InputLogStore } from '../../apps/gateway/src/input-log/input-log.store';
export type {
  InputLogEntry,
  InputLogPage,
  InputLogStats,
  InputOutcome,
  InputRecord,
  Redaction,
  StoredInput,
  StoredOutcome,
  StoredRecord,
} from '../../apps/gateway/src/input-log/input-log.types';
export { InputLogUnavailableError } from '../../apps/gateway/src/input-log/input-log.errors';
export { redact, resolveSalt } from '../../apps/gateway/src/input-log/input-log.redaction';
export { nodeLogFs } from '../../apps/gateway/src/input-log/storage/log-fs';
export { SegmentLogStore } from '../../apps/gateway/src/input-log/storage/segment-log.store';
/* eslint-enable @nx/enforce-module-boundaries */
