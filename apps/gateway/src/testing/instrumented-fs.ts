import type { FileHandle } from 'node:fs/promises';
import { nodeLogFs } from '../input-log/input-log.fs';
import type { LogFs } from '../input-log/input-log.fs';

/** Counters, and switches that make the next calls fail with an errno code. */
export interface FsProbe {
  writes: number;
  datasyncs: number;
  /** Fail writes with this code (e.g. 'ENOSPC'). */
  failWrite: string | null;
  /** When failing a write, first write half of it, as a disk filling midway would. */
  partialWrite: boolean;
  /** Fail fdatasync with this code. */
  failDatasync: string | null;
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
  const probe: FsProbe = { writes: 0, datasyncs: 0, failWrite: null, partialWrite: false, failDatasync: null };
  const wrap = (handle: FileHandle): FileHandle =>
    new Proxy(handle, {
      get(target, property) {
        if (property === 'write') {
          return async (buffer: Buffer, offset: number, length: number) => {
            probe.writes++;
            if (probe.failWrite) {
              if (probe.partialWrite) await target.write(buffer, offset, Math.floor(length / 2));
              throw errno(probe.failWrite);
            }
            return target.write(buffer, offset, length);
          };
        }
        if (property === 'datasync') {
          return async () => {
            probe.datasyncs++;
            if (probe.failDatasync) throw errno(probe.failDatasync);
            return target.datasync();
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const fs: LogFs = {
    ...nodeLogFs,
    open: async (...args: Parameters<LogFs['open']>) => wrap(await nodeLogFs.open(...args)),
  };
  return { fs, probe };
}
