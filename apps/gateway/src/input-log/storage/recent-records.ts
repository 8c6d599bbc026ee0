import type { FollowPosition, FollowedBatch } from './segment-follower';

const LF = 0x0a;
/** Checksum (8 hex digits) and space before a record's JSON (segment-file.ts). */
const JSON_START = 9;

interface Chunk {
  seq: number;
  offset: number;
  /** Whole framed records, as one synced write put them at `offset`. */
  bytes: Buffer;
}

/**
 * The last durable writes of the log, as the writer made them, up to a
 * bound in bytes: the shipper, caught up, takes its next batch from here
 * instead of reading back from disk what was just written and checking it
 * again. A position it does not hold (the shipper lags behind the bound, or
 * the process restarted) is read from disk as before, so what is shipped
 * and the positions written with it are the same either way.
 */
export class RecentRecords {
  private readonly chunks: Chunk[] = [];
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A synced write of whole records at (seq, offset). */
  add(seq: number, offset: number, bytes: Buffer): void {
    this.chunks.push({ seq, offset, bytes });
    this.heldBytes += bytes.length;
    while (this.heldBytes > this.maxBytes) {
      const dropped = this.chunks.shift();
      if (!dropped) break;
      this.heldBytes -= dropped.bytes.length;
    }
  }

  /** Forgets everything (the log was reopened: its positions start over). */
  clear(): void {
    this.chunks.length = 0;
    this.heldBytes = 0;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * The records from `from` on, as SegmentFollower.read gives them (their
   * JSON; at least one, then whole records until about `maxBytes`), within
   * the segment `from` is in; null when that part of the log is not held
   * (or nothing follows `from` here: the disk knows whether the next segment has more).
   */
  read(from: FollowPosition, maxBytes: number): FollowedBatch | null {
    let index = this.chunks.findIndex(
      (chunk) =>
        chunk.seq === from.seq &&
        chunk.offset <= from.offset &&
        from.offset < chunk.offset + chunk.bytes.length,
    );
    const first = this.chunks[index];
    if (!first) return null;
    let start = from.offset - first.offset;
    // Only at a record's start: a chunk starts on one, and inside it each one follows an LF.
    if (start > 0 && first.bytes[start - 1] !== LF) return null;
    const records: Buffer[] = [];
    let offset = from.offset;
    let taken = 0;
    for (let chunk: Chunk | undefined = first; chunk && taken < maxBytes;) {
      const { bytes } = chunk;
      while (start < bytes.length && taken < maxBytes) {
        const lf = bytes.indexOf(LF, start);
        // Never true for what the writer made; stop rather than hand over half a record.
        if (lf === -1) return this.batch(records, from, offset);
        records.push(bytes.subarray(start + JSON_START, lf));
        taken += lf + 1 - start;
        offset += lf + 1 - start;
        start = lf + 1;
      }
      if (start < bytes.length) break;
      const next: Chunk | undefined = this.chunks[++index];
      // The next write, if it follows on in the same segment.
      chunk = next && next.seq === from.seq && next.offset === offset ? next : undefined;
      start = 0;
    }
    return this.batch(records, from, offset);
  }

  private batch(records: Buffer[], from: FollowPosition, offset: number): FollowedBatch | null {
    if (records.length === 0) return null;
    return {
      records,
      next: { seq: from.seq, offset, records: from.records + records.length },
    };
  }
}
