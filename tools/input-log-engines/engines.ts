import { SegmentLogStore } from './gateway-store';
import type { InputLogStore } from './gateway-store';
import { LmdbLogStore } from './lmdb-log.store';
import { SqliteLogStore } from './sqlite-log.store';

export const ENGINES = ['segment', 'lmdb', 'lmdb-overlap', 'sqlite'] as const;
export type EngineName = (typeof ENGINES)[number];

export function isEngineName(value: string): value is EngineName {
  return (ENGINES as readonly string[]).includes(value);
}

export interface OpenedEngine {
  store: InputLogStore;
  close(): Promise<void>;
}

/** Gateway defaults, so the segment engine rotates and indexes as in production. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
const RETENTION_BYTES = 1024 * 1024 * 1024;

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Opens an engine on `dir` the way the gateway would (redaction `none`,
 * default sizes) and waits until it takes inputs.
 * @throws Error when it cannot be opened.
 */
export async function openEngine(name: EngineName, dir: string): Promise<OpenedEngine> {
  let store: InputLogStore & { close(): Promise<void> };
  switch (name) {
    case 'segment': {
      const segment = new SegmentLogStore({
        dir,
        redaction: 'none',
        segmentBytes: SEGMENT_BYTES,
        retentionBytes: RETENTION_BYTES,
        logger: silent,
      });
      segment.onModuleInit();
      store = segment;
      break;
    }
    case 'lmdb':
    case 'lmdb-overlap': {
      const lmdb = new LmdbLogStore({
        dir,
        redaction: 'none',
        retentionBytes: RETENTION_BYTES,
        // lmdb: each commit syncs before it resolves; lmdb-overlap: lmdb-js's default, ack on `flushed`.
        overlappingSync: name === 'lmdb-overlap',
      });
      void lmdb.start();
      store = lmdb;
      break;
    }
    case 'sqlite': {
      const sqlite = new SqliteLogStore({
        dir,
        redaction: 'none',
        retentionBytes: RETENTION_BYTES,
      });
      void sqlite.start();
      store = sqlite;
      break;
    }
  }
  await store.whenOpen();
  if (!store.writable()) {
    const reason = store.unavailableReason();
    await store.close();
    throw new Error(`${name} could not be opened: ${reason}`);
  }
  return { store, close: () => store.close() };
}
