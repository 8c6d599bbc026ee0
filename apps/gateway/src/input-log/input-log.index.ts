import type { RecordLocation } from './input-log.writer';

/**
 * Where one request's records are. One flat object per input, with the outcome's
 * location inlined (no nested object), to keep the per-request cost small: the
 * index holds every input within retention.
 */
export class IndexEntry {
  outcomeSeq = -1;
  outcomeOffset = 0;
  outcomeLength = 0;

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly offset: number,
    readonly length: number,
  ) {}

  get input(): RecordLocation {
    return { seq: this.seq, offset: this.offset, length: this.length };
  }

  get outcome(): RecordLocation | null {
    return this.outcomeSeq < 0 ? null : { seq: this.outcomeSeq, offset: this.outcomeOffset, length: this.outcomeLength };
  }
}

/** A point in the log, in append order: (segment, byte offset). */
export interface LogPosition {
  seq: number;
  offset: number;
}

interface IndexedSegment {
  seq: number;
  /** Inputs in append order, so by offset. */
  entries: IndexEntry[];
}

const CURSOR_TEXT = /^(\d{1,16}):(\d{1,15})$/;

/**
 * An opaque `before` cursor. Positions outlive a restart (they are file
 * coordinates, not counters), so a client can keep paging across one.
 */
export function encodeCursor(position: LogPosition): string {
  return Buffer.from(`${position.seq}:${position.offset}`, 'latin1').toString('base64url');
}

/** The position a cursor names, or null if it is not one this log made. */
export function decodeCursor(cursor: string): LogPosition | null {
  if (!/^[A-Za-z0-9_-]{1,48}$/.test(cursor)) return null;
  const match = CURSOR_TEXT.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match?.[1] || !match[2]) return null;
  return { seq: Number(match[1]), offset: Number(match[2]) };
}

function before(entry: IndexEntry, position: LogPosition): boolean {
  return entry.seq < position.seq || (entry.seq === position.seq && entry.offset < position.offset);
}

/**
 * Every input within retention, found by id and listed newest first. Rebuilt
 * at startup by scanning the segments, kept up to date as batches become
 * durable, and trimmed with the segments retention deletes, so its size
 * follows INPUT_LOG_RETENTION_BYTES.
 *
 * Ids are chosen by clients (`x-request-id`) and may repeat: `get` answers the
 * latest input with an id, and an outcome joins the latest input with its id,
 * which is the request that just ended.
 */
export class InputLogIndex {
  private readonly byId = new Map<string, IndexEntry>();
  /** Oldest first; only segments with at least one input. */
  private readonly segments: IndexedSegment[] = [];

  get size(): number {
    return this.segments.reduce((sum, segment) => sum + segment.entries.length, 0);
  }

  /** Records an input. Locations must arrive in append order. */
  addInput(id: string, location: RecordLocation): void {
    const entry = new IndexEntry(id, location.seq, location.offset, location.length);
    let segment = this.segments[this.segments.length - 1];
    if (!segment || segment.seq !== location.seq) {
      segment = { seq: location.seq, entries: [] };
      this.segments.push(segment);
    }
    segment.entries.push(entry);
    this.byId.set(id, entry);
  }

  /** Joins an outcome to its input; false when the input is unknown (past retention). */
  addOutcome(id: string, location: RecordLocation): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    entry.outcomeSeq = location.seq;
    entry.outcomeOffset = location.offset;
    entry.outcomeLength = location.length;
    return true;
  }

  get(id: string): IndexEntry | undefined {
    return this.byId.get(id);
  }

  /** Forgets the inputs of deleted segments. */
  removeSegments(seqs: readonly number[]): void {
    const removed = new Set(seqs);
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      if (!segment || !removed.has(segment.seq)) continue;
      for (const entry of segment.entries) {
        // A later input with the same id stays findable.
        if (this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
      }
      this.segments.splice(i, 1);
    }
  }

  clear(): void {
    this.byId.clear();
    this.segments.length = 0;
  }

  /**
   * Up to `limit` inputs older than `start` (or the newest, without it),
   * newest first, and the cursor position of the next page (null on the last).
   */
  page(limit: number, start: LogPosition | null): { entries: IndexEntry[]; next: LogPosition | null } {
    const entries: IndexEntry[] = [];
    let more = false;
    for (let s = this.segments.length - 1; s >= 0 && !more; s--) {
      const segment = this.segments[s];
      if (!segment || (start && segment.seq > start.seq)) continue;
      let i = segment.entries.length - 1;
      if (start && segment.seq === start.seq) i = this.lastBefore(segment.entries, start);
      for (; i >= 0; i--) {
        const entry = segment.entries[i];
        if (!entry) continue;
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(entry);
      }
    }
    const last = entries[entries.length - 1];
    return { entries, next: more && last ? { seq: last.seq, offset: last.offset } : null };
  }

  /** Index of the last entry strictly before `position` in one segment (-1 if none). */
  private lastBefore(entries: readonly IndexEntry[], position: LogPosition): number {
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const entry = entries[mid];
      if (entry && before(entry, position)) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }
}
