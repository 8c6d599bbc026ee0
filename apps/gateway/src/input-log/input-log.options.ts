import type { ConfigService } from '@nestjs/config';
import type { GatewayEnv } from '../config/gateway.config';
import type { IdHash } from './storage/id-hash';
import type { LogFs } from './storage/log-fs';
import type { Redaction } from './input-log.types';
import type { LogSink } from './storage/segment-writer';

export interface InputLogOptions {
  dir: string;
  redaction: Redaction;
  /** Key of the `hash` redaction; unset, one is generated into the directory. */
  hashSalt?: string;
  segmentBytes: number;
  retentionBytes: number;
  /** Specs only: count or fail file system calls. */
  fs?: LogFs;
  /** Specs only: how the index hashes ids, to make them collide. */
  idHash?: IdHash;
  /** Specs only: inputs per index chunk as a power of two (13), small so that a few inputs spill to disk. */
  indexChunkBits?: number;
  /** Specs only: capture warnings. Defaults to the Nest logger. */
  logger?: LogSink;
  /** How often an unavailable log tries to open or recover again. */
  retryMs?: number;
  /** How long an outcome may wait to share a batch before it is written on its own. */
  lingerMs?: number;
  /** Told of every durable batch: record count and the seconds its synced write took (metrics). */
  onBatchDurable?: (records: number, fsyncSeconds: number) => void;
}

/** The options from the validated environment. */
export function inputLogOptionsFromEnv(config: ConfigService<GatewayEnv, true>): InputLogOptions {
  const hashSalt = config.get('INPUT_LOG_HASH_SALT', { infer: true });
  return {
    dir: config.get('INPUT_LOG_DIR', { infer: true }),
    redaction: config.get('INPUT_LOG_REDACTION', { infer: true }),
    ...(hashSalt ? { hashSalt } : {}),
    segmentBytes: config.get('INPUT_LOG_SEGMENT_BYTES', { infer: true }),
    retentionBytes: config.get('INPUT_LOG_RETENTION_BYTES', { infer: true }),
  };
}
