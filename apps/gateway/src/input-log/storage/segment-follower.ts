import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogFs } from './log-fs';
import { MAX_RECORD_BYTES, segmentFileName, verifyRecord } from './segment-file';
import type { SegmentInfo } from './segment-writer';

/** A point in the log a follower has read up to: the next record starts at (seq, offset). */
export interface FollowPosition {
  seq: number;
  offset: number;
  /** Valid records before `offset` in segment `seq`. */
  records: number;
}

export interface FollowedBatch {
  /**
   * The JSON of each record read, unparsed, in log order (damaged ones
   * skipped, as recovery does): the shipper hands it on as it is.
   */
  records: Buffer[];
  /** Where the next read starts. */
  next: FollowPosition;
}

const LF = 0x0a;

/**
 * Reads the log in order from a position, up to what is durable: the
 * shipper's view of the segments. One read-only handle, on the segment being read.
 */
export class SegmentFollower {
  private handle: { seq: number; file: Promise<FileHandle> } | null = null;

  constructor(
    private readonly dir: string,
    private readonly fs: LogFs,
  ) {}

  /**
   * The records after `from`, at most about `maxBytes` of them (always whole
   * records, at least one when there is one). An empty batch means nothing
   * durable follows `from` yet. A position the log does not hold (its
   * segment is gone, or it lies past the end after the directory was
   * replaced) restarts at the oldest segment: shipping is idempotent by id.
   */
  async read(
    from: FollowPosition,
    segments: readonly SegmentInfo[],
    maxBytes: number,
  ): Promise<FollowedBatch> {
    let position = from;
    for (;;) {
      const index = segments.findIndex((segment) => segment.seq === position.seq);
      const segment = segments[index];
      const oldest = segments[0];
      if (!oldest) return { records: [], next: position };
      if (!segment || position.offset > segment.size) {
        // Not a point of this log (its segment is gone, or the directory was replaced).
        position = { seq: oldest.seq, offset: 0, records: 0 };
        continue;
      }
      if (position.offset < segment.size) return this.readFrom(position, segment.size, maxBytes);
      const following = segments[index + 1];
      if (!following) return { records: [], next: position };
      position = { seq: following.seq, offset: 0, records: 0 };
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.file.then((file) => file.close()).catch(() => undefined);
  }

  private async readFrom(
    from: FollowPosition,
    durableEnd: number,
    maxBytes: number,
  ): Promise<FollowedBatch> {
    const length = Math.min(durableEnd - from.offset, Math.max(maxBytes, MAX_RECORD_BYTES));
    const bytes = Buffer.allocUnsafe(length);
    const file = await this.open(from.seq);
    const { bytesRead } = await file.read(bytes, 0, length, from.offset);
    const found: Buffer[] = [];
    let start = 0;
    let records = from.records;
    for (
      let lf = bytes.indexOf(LF, 0);
      lf !== -1 && lf < bytesRead;
      lf = bytes.indexOf(LF, start)
    ) {
      const verified = verifyRecord(bytes.subarray(start, lf + 1));
      if (verified.ok) {
        found.push(verified.json);
        records++;
      }
      start = lf + 1;
      if (start >= maxBytes) break;
    }
    // No LF in a read longer than any record: damage recovery skipped too; step over it.
    if (start === 0 && bytesRead >= MAX_RECORD_BYTES) start = bytesRead;
    return { records: found, next: { seq: from.seq, offset: from.offset + start, records } };
  }

  private open(seq: number): Promise<FileHandle> {
    if (this.handle?.seq !== seq) {
      const previous = this.handle;
      void previous?.file.then((file) => file.close()).catch(() => undefined);
      const file = this.fs.open(join(this.dir, segmentFileName(seq)), 'r');
      this.handle = { seq, file };
      // A failed open is not kept: the next read tries again.
      file.catch(() => {
        if (this.handle?.file === file) this.handle = null;
      });
    }
    return this.handle.file;
  }
}
