import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../input-log.errors';
import type { LogFs } from './log-fs';
import type { RecordLocation } from './segment-writer';
import { decodeRecord, segmentFileName } from './segment-file';

/**
 * Reads single records by location with positional reads, through one
 * read-only handle per segment, opened on first use. With the default sizes
 * that is at most retention / segment = 16 handles.
 */
export class SegmentReader {
  private readonly handles = new Map<number, Promise<FileHandle>>();

  constructor(
    private readonly dir: string,
    private readonly fs: LogFs,
  ) {}

  /**
   * The record at `location`, parsed; null when its segment is gone (deleted
   * by retention after the location was looked up) or the bytes no longer
   * hold a valid record.
   * @throws the file system's error for anything else (EIO, EACCES).
   */
  async read(location: RecordLocation): Promise<unknown> {
    const bytes = Buffer.allocUnsafe(location.length);
    try {
      const handle = await this.handle(location.seq);
      const { bytesRead } = await handle.read(bytes, 0, location.length, location.offset);
      if (bytesRead !== location.length) return null;
    } catch (error) {
      // EBADF: retention closed the handle while this read waited for it.
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'EBADF') return null;
      this.forget(location.seq);
      throw error;
    }
    const decoded = decodeRecord(bytes);
    return decoded.ok ? decoded.value : null;
  }

  /** Drops the handle of a deleted segment. Node's close waits for reads in flight. */
  forget(seq: number): void {
    const handle = this.handles.get(seq);
    this.handles.delete(seq);
    void handle?.then((h) => h.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(
      handles.map((h) => h.then((handle) => handle.close()).catch(() => undefined)),
    );
  }

  private handle(seq: number): Promise<FileHandle> {
    let handle = this.handles.get(seq);
    if (!handle) {
      handle = this.fs.open(join(this.dir, segmentFileName(seq)), 'r');
      this.handles.set(seq, handle);
      // A failed open is not cached: the next read tries again.
      handle.catch(() => {
        if (this.handles.get(seq) === handle) this.handles.delete(seq);
      });
    }
    return handle;
  }
}
