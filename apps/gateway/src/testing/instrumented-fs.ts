import { constants as fsConstants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { nodeLogFs } from '../input-log/storage/log-fs';
import type { LogFs } from '../input-log/storage/log-fs';

/** Counters, and switches that make the next calls fail with an errno code. */
export interface FsProbe {
  writes: number;
  /**
   * The points where data is made durable: fdatasync calls, and writes to a
   * handle opened with O_DSYNC (each returns only once its bytes are synced).
   */
  syncs: number;
  /** Fail writes with this code (e.g. 'ENOSPC'). */
  failWrite: string | null;
  /** When failing a write, first write half of it, as a disk filling midway would. */
  partialWrite: boolean;
  /**
   * Fail the sync with this code: fdatasync, or the sync half of an O_DSYNC
   * write (its bytes reach the file, as they would the page cache, and the
   * call fails, as it does when the device reports an error).
   */
  failSync: string | null;
  /** Every file the code under test opened (the raw handles). */
  opened: FileHandle[];
}

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: injected by the spec`), { code });
}

/**
 * Node's own file system, with file handles wrapped so that a spec can count
 * writes and fsyncs and inject the failures a shared test machine cannot
 * produce on demand (a full disk; root ignores permission bits).
 */
export function instrumentedFs(): { fs: LogFs; probe: FsProbe } {
  const probe: FsProbe = {
    writes: 0,
    syncs: 0,
    failWrite: null,
    partialWrite: false,
    failSync: null,
    opened: [],
  };
  const wrap = (handle: FileHandle, synced: boolean): FileHandle =>
    new Proxy(handle, {
      get(target, property) {
        if (property === 'write') {
          return async (buffer: Buffer, offset: number, length: number) => {
            probe.writes++;
            if (probe.failWrite) {
              if (probe.partialWrite) await target.write(buffer, offset, Math.floor(length / 2));
              throw errno(probe.failWrite);
            }
            if (!synced) return target.write(buffer, offset, length);
            probe.syncs++;
            const written = await target.write(buffer, offset, length);
            if (probe.failSync) throw errno(probe.failSync);
            return written;
          };
        }
        if (property === 'datasync') {
          return async () => {
            probe.syncs++;
            if (probe.failSync) throw errno(probe.failSync);
            return target.datasync();
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function'
          ? (value as (...args: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  const fs: LogFs = {
    ...nodeLogFs,
    open: async (...args: Parameters<LogFs['open']>) => {
      const [, flags] = args;
      const synced = typeof flags === 'number' && (flags & (fsConstants.O_DSYNC ?? 0)) !== 0;
      const handle = await nodeLogFs.open(...args);
      probe.opened.push(handle);
      return wrap(handle, synced);
    },
  };
  return { fs, probe };
}
