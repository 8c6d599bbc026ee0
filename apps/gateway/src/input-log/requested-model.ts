import type { RequestedModel } from './input-log.types';

/** The requested-model fields of a record, only those it has (a seed record has none). */
export function requestedModelOf(record: RequestedModel): RequestedModel {
  return {
    ...(typeof record.model === 'string' && { model: record.model }),
    ...(typeof record.model_version === 'string' && { model_version: record.model_version }),
    ...(record.kind === 'infer' && { kind: record.kind }),
  };
}
