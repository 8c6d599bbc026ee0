import { seededIdHash } from './id-hash';
import type { IdHash } from './id-hash';
import type { RecordLocation } from './segment-writer';

/**
 * One indexed input: where its record is, and its outcome's once that is
 * durable. Made per answer, never kept. The index holds hashes of ids, not
 * ids: whoever reads the records checks that they carry the id wanted.
 */
export interface IndexedInput {
  readonly input: RecordLocation;
  readonly outcome: RecordLocation | null;
}

/** A point in the log, in append order: (segment, byte offset). */
export interface LogPosition {
  seq: number;
  offset: number;
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

/*
 * An input is STRIDE unsigned 32-bit words:
 *
 *   IN_OFFSET    offset of the input record
 *   IN_LENGTH    its length (low LENGTH_BITS) | low half of the outcome's seq delta + 1
 *   OUT_OFFSET   offset of the outcome record
 *   OUT_LENGTH   its length (low LENGTH_BITS) | high half of the outcome's seq delta + 1
 *   HASH_LOW     the id's hash, low 32 bits
 *   HASH_HIGH    and high 32 bits
 *   PREVIOUS     how many inputs back the previous input with the same hash is (0: none)
 *
 * An outcome is appended after its input, so its segment is the input's or a
 * later one: the delta, plus one so that 0 means "no outcome yet", fits in the
 * bits the lengths leave free. Offsets fit 32 bits since a segment is at most
 * 1 GiB (plus one record), and lengths LENGTH_BITS since a record is at most
 * MAX_RECORD_BYTES (a scan may hand over a line of its read chunk plus that).
 */
const STRIDE = 7;
const IN_OFFSET = 0;
const IN_LENGTH = 1;
const OUT_OFFSET = 2;
const OUT_LENGTH = 3;
const HASH_LOW = 4;
const HASH_HIGH = 5;
const PREVIOUS = 6;

const LENGTH_BITS = 22;
const LENGTH_MASK = (1 << LENGTH_BITS) - 1;
const DELTA_HALF_BITS = 32 - LENGTH_BITS;
const DELTA_HALF_MASK = (1 << DELTA_HALF_BITS) - 1;
const MAX_OUTCOME_DELTA = 2 ** (2 * DELTA_HALF_BITS) - 2;
const MAX_U32 = 0xffff_ffff;
const NO_CHUNK: Uint32Array = new Uint32Array(0);

/**
 * Inputs are stored in fixed chunks rather than one array that doubles: at
 * most one chunk is partly used, growth never copies more than a chunk, and
 * retention frees whole chunks from the front.
 */
const CHUNK_BITS = 13;
const CHUNK_ENTRIES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ENTRIES - 1;
/** The first chunk starts this small and doubles up to CHUNK_ENTRIES: a small log stays small. */
const FIRST_CHUNK_ENTRIES = 64;

const INITIAL_SLOTS = 1024;
/** Grow the hash table beyond this load; linear probing slows down sharply past it. */
const MAX_LOAD = 0.75;
/**
 * By half, not double: the table is then never less than half full, which
 * bounds its slack at 8 bytes per input instead of 10.7. Slots are therefore
 * found by remainder, not by mask.
 */
const GROWTH = 1.5;
/**
 * Removing inputs one probe each costs about as much as this many slots of a
 * pass over the whole table (a probe reads several inputs' hashes, a pass
 * compares numbers).
 */
const SLOTS_PER_PROBE = 64;

/**
 * Table slots hold input numbers modulo HANDLE_SPAN, plus one so that 0 marks
 * an empty slot. The numbers in the index at once span far less than this, so
 * the newest number tells which one a handle means.
 */
const HANDLE_SPAN = 0xffff_ffff;

/**
 * Inputs whose outcome has not arrived yet, by id, to join outcomes to the
 * right input without trusting a hash. An outcome follows its input by the
 * request's latency, so this holds about (requests/s × latency) ids; the
 * bound only matters when outcomes are lost (a crash, a failing disk).
 */
const MAX_AWAITING_OUTCOME = 16_384;

interface IndexedSegment {
  readonly seq: number;
  /** Number of its first input: numbers run on across segments, in append order. */
  readonly first: number;
  count: number;
}

/**
 * Every input within retention, found by id and listed newest first. Rebuilt
 * at startup by scanning the segments, kept up to date as batches become
 * durable, and trimmed with the segments retention deletes, so its size
 * follows INPUT_LOG_RETENTION_BYTES.
 *
 * That is millions of inputs, so it keeps no object or string per input:
 * inputs are numbered in append order and stored as 28 bytes each in typed
 * arrays, and an open-addressing table (4 bytes a slot, 5.3 to 8 bytes per
 * input with the free ones) maps the id's 64-bit hash to the newest input
 * with that hash. Inputs with the same hash (the same id sent again, or
 * rarely two ids that collide) are chained newest to oldest, so that each
 * stays findable while probes stay short even when a client sends one id for
 * everything. Segments are only ranges of numbers.
 *
 * Ids are chosen by clients (`x-request-id`) and may repeat: `candidates`
 * answers the latest input with an id first, and an outcome joins the latest
 * input with its id, which is the request that just ended.
 */
export class IdIndex {
  /** Oldest first, in seq and number order; only segments with at least one input. */
  private segments: IndexedSegment[] = [];
  /** CHUNK_ENTRIES inputs each, by number: chunk k starts at `chunkBase + k * CHUNK_ENTRIES`. */
  private chunks: Uint32Array[] = [];
  private chunkBase = 1;
  private table = new Uint32Array(INITIAL_SLOTS);
  private slotsUsed = 0;
  private inputs = 0;
  /**
   * The number the next input gets. Never reused, not even after `clear()`:
   * a number kept across changes (a candidate walk, an input awaiting its
   * outcome) can then never land on another input.
   */
  private nextNumber = 1;
  /** `handleOf(nextNumber - 1)`, kept because every probe step needs it. */
  private newestHandle = handleOf(0);
  private readonly awaitingOutcome = new Map<string, number>();
  /**
   * The ids of the last MAX_AWAITING_OUTCOME inputs and their numbers, in a
   * ring: the oldest entry of the map is found without iterating it (which,
   * after many deletions at its front, costs as many steps as it had entries).
   */
  private readonly awaitedIds: (string | undefined)[] = new Array<string | undefined>(
    MAX_AWAITING_OUTCOME,
  );
  private readonly awaitedNumbers = new Float64Array(MAX_AWAITING_OUTCOME);
  private awaitedNext = 0;
  private readonly hashed = new Uint32Array(2);
  /** Where `at()` found an input; fields instead of a result object keep lookups allocation-free. */
  private atChunk: Uint32Array = NO_CHUNK;
  private atBase = 0;

  /** @param hash replaceable so that tests can make ids collide. */
  constructor(private readonly hash: IdHash = seededIdHash()) {}

  get size(): number {
    return this.inputs;
  }

  /** Bytes of the typed arrays behind the index (not the bounded map of inputs awaiting an outcome, nor the few objects per segment). */
  get bytes(): number {
    let bytes = this.table.byteLength;
    for (const chunk of this.chunks) bytes += chunk.byteLength;
    return bytes;
  }

  /**
   * Records an input. Locations must arrive in append order.
   * @returns false for a location the index cannot hold (none the log writes or accepts when scanning).
   */
  addInput(id: string, location: RecordLocation): boolean {
    const { seq, offset, length } = location;
    if (!(offset >= 0 && offset <= MAX_U32 && length >= 0 && length <= LENGTH_MASK)) return false;
    let segment: IndexedSegment | undefined = this.segments[this.segments.length - 1];
    if (!segment || segment.seq !== seq) {
      segment = { seq, first: this.nextNumber, count: 0 };
      this.segments.push(segment);
    }
    const number = this.nextNumber++;
    this.newestHandle = handleOf(number);
    segment.count++;
    this.inputs++;
    const chunk = this.chunkFor(number);
    const base = ((number - this.chunkBase) & CHUNK_MASK) * STRIDE;
    this.hash(id, this.hashed);
    const low = this.hashed[0];
    const high = this.hashed[1];
    chunk[base + IN_OFFSET] = offset;
    chunk[base + IN_LENGTH] = length;
    chunk[base + OUT_OFFSET] = 0;
    chunk[base + OUT_LENGTH] = 0;
    chunk[base + HASH_LOW] = low;
    chunk[base + HASH_HIGH] = high;
    chunk[base + PREVIOUS] = 0;

    const slot = this.slotOf(low, high);
    if (slot >= 0) {
      const distance = number - this.numberOf(this.table[slot]);
      // Farther back than that, the older input is long past retention.
      chunk[base + PREVIOUS] = distance <= MAX_U32 ? distance : 0;
      this.table[slot] = handleOf(number);
    } else {
      this.table[~slot] = handleOf(number);
      if (++this.slotsUsed > this.table.length * MAX_LOAD) this.growTable();
    }

    this.awaitingOutcome.set(id, number);
    const ring = this.awaitedNext;
    const evicted = this.awaitedIds[ring];
    // Unless its outcome came, or a later input with its id took its place.
    if (evicted !== undefined && this.awaitingOutcome.get(evicted) === this.awaitedNumbers[ring]) {
      this.awaitingOutcome.delete(evicted);
    }
    this.awaitedIds[ring] = id;
    this.awaitedNumbers[ring] = number;
    this.awaitedNext = ring === MAX_AWAITING_OUTCOME - 1 ? 0 : ring + 1;
    return true;
  }

  /** Joins an outcome to the latest input with its id; false when that is unknown (past retention). */
  addOutcome(id: string, location: RecordLocation): boolean {
    let number = this.awaitingOutcome.get(id);
    if (number !== undefined) {
      this.awaitingOutcome.delete(id);
    } else {
      // Recovery of inputs whose outcome came after many others, or a lost
      // one's id sent again: the newest input with the hash, as good as the hash.
      this.hash(id, this.hashed);
      const slot = this.slotOf(this.hashed[0], this.hashed[1]);
      if (slot < 0) return false;
      number = this.numberOf(this.table[slot]);
    }
    // Null when the input went with its segment while it awaited its outcome.
    const segment = this.segmentOf(number);
    if (!segment) return false;
    const { seq, offset, length } = location;
    const delta = seq - segment.seq;
    if (!(
      delta >= 0 &&
      delta <= MAX_OUTCOME_DELTA &&
      offset >= 0 &&
      offset <= MAX_U32 &&
      length >= 0 &&
      length <= LENGTH_MASK
    )) {
      return false;
    }
    this.at(number);
    const chunk = this.atChunk;
    const base = this.atBase;
    const stored = delta + 1;
    chunk[base + IN_LENGTH] =
      (chunk[base + IN_LENGTH] & LENGTH_MASK) | ((stored & DELTA_HALF_MASK) << LENGTH_BITS);
    chunk[base + OUT_OFFSET] = offset;
    chunk[base + OUT_LENGTH] = length | ((stored >>> DELTA_HALF_BITS) << LENGTH_BITS);
    return true;
  }

  /**
   * The inputs that may carry this id, latest first: all the inputs with its
   * hash. Almost always the first is the one; the caller checks the record's
   * id and moves on to the next on a mismatch. Lazy, and safe to resume after
   * the index changed (inputs deleted meanwhile end the walk).
   */
  *candidates(id: string): Generator<IndexedInput, void, undefined> {
    this.hash(id, this.hashed);
    const low = this.hashed[0];
    const high = this.hashed[1];
    const slot = this.slotOf(low, high);
    if (slot < 0) return;
    let number = this.numberOf(this.table[slot]);
    for (;;) {
      const segment = this.segmentOf(number);
      if (!segment) return;
      this.at(number);
      const previous = this.atChunk[this.atBase + PREVIOUS];
      yield this.entryAt(segment, number);
      if (previous === 0) return;
      number -= previous;
    }
  }

  /**
   * Forgets the inputs of deleted segments. Retention deletes the oldest
   * segments, so that is all the index does: every input older than the
   * newest one removed goes, and no id's chain of older inputs is cut.
   * @throws RangeError when a segment is named while an older one stays.
   */
  removeSegments(seqs: readonly number[]): void {
    // Found by binary search, not by a pass over the segments: with small
    // segments there are many thousands, and retention removes one per rotation.
    const doomed = [...new Set(seqs)]
      .map((seq) => this.segmentWithSeq(seq))
      .filter((segment): segment is IndexedSegment => segment !== undefined)
      .sort((a, b) => a.first - b.first);
    const newestDoomed = doomed[doomed.length - 1];
    if (!newestDoomed) return;
    if (!doomed.every((segment, i) => segment === this.segments[i])) {
      throw new RangeError('the input-log index forgets only its oldest segments');
    }
    // Inputs at or past it are all kept: segments are in number order.
    const kept = newestDoomed.first + newestDoomed.count;
    const count = doomed.reduce((sum, segment) => sum + segment.count, 0);
    // Both run on the event loop: a rotation at the default sizes drops a
    // few hundred thousand inputs, cheaper in one pass over the table than by
    // a probe each; with small segments it drops a few, and a pass would cost
    // a millisecond or more each time.
    if (count * SLOTS_PER_PROBE < this.table.length) {
      for (const segment of doomed) this.unlinkEach(segment);
    } else {
      this.unlinkAll(kept);
    }
    this.segments.splice(0, doomed.length);
    this.inputs -= count;
    // Awaited outcomes of the inputs gone need no cleanup: they find no segment, and age out of the map.
    this.releaseChunks();
  }

  clear(): void {
    this.segments = [];
    this.chunks = [];
    this.chunkBase = this.nextNumber;
    this.table = new Uint32Array(INITIAL_SLOTS);
    this.slotsUsed = 0;
    this.inputs = 0;
    this.awaitingOutcome.clear();
    this.awaitedIds.fill(undefined);
    this.atChunk = NO_CHUNK;
  }

  /**
   * Up to `limit` inputs older than `start` (or the newest, without it),
   * newest first, and the cursor position of the next page (null on the last).
   */
  page(
    limit: number,
    start: LogPosition | null,
  ): { entries: IndexedInput[]; next: LogPosition | null } {
    const entries: IndexedInput[] = [];
    let more = false;
    for (let s = this.segments.length - 1; s >= 0 && !more; s--) {
      const segment = this.segments[s];
      if (start && segment.seq > start.seq) continue;
      let index = segment.count - 1;
      if (start && segment.seq === start.seq) index = this.lastBefore(segment, start.offset);
      for (; index >= 0; index--) {
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(this.entryAt(segment, segment.first + index));
      }
    }
    const last = entries[entries.length - 1];
    return {
      entries,
      next: more && last ? { seq: last.input.seq, offset: last.input.offset } : null,
    };
  }

  private entryAt(segment: IndexedSegment, number: number): IndexedInput {
    this.at(number);
    const chunk = this.atChunk;
    const base = this.atBase;
    const inLength = chunk[base + IN_LENGTH];
    const outLength = chunk[base + OUT_LENGTH];
    const stored = (inLength >>> LENGTH_BITS) | ((outLength >>> LENGTH_BITS) << DELTA_HALF_BITS);
    return {
      input: { seq: segment.seq, offset: chunk[base + IN_OFFSET], length: inLength & LENGTH_MASK },
      outcome:
        stored === 0
          ? null
          : {
              seq: segment.seq + stored - 1,
              offset: chunk[base + OUT_OFFSET],
              length: outLength & LENGTH_MASK,
            },
    };
  }

  /** Index of the last input strictly before `offset` in one segment (-1 if none). */
  private lastBefore(segment: IndexedSegment, offset: number): number {
    let low = 0;
    let high = segment.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      this.at(segment.first + mid);
      if (this.atChunk[this.atBase + IN_OFFSET] < offset) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  /** Points `atChunk` and `atBase` at the words of input `number`, which must be stored. */
  private at(number: number): void {
    const relative = number - this.chunkBase;
    this.atChunk = this.chunks[relative >>> CHUNK_BITS];
    this.atBase = (relative & CHUNK_MASK) * STRIDE;
  }

  /** The chunk the new input `number` goes to, grown or added as needed. */
  private chunkFor(number: number): Uint32Array {
    const relative = number - this.chunkBase;
    const c = relative >>> CHUNK_BITS;
    const position = relative & CHUNK_MASK;
    const chunk: Uint32Array | undefined = this.chunks[c];
    if (chunk && (position + 1) * STRIDE <= chunk.length) return chunk;
    let entries = c === 0 ? FIRST_CHUNK_ENTRIES : CHUNK_ENTRIES;
    if (chunk) entries = chunk.length / STRIDE;
    while (entries <= position) entries *= 2;
    const grown = new Uint32Array(Math.min(entries, CHUNK_ENTRIES) * STRIDE);
    if (chunk) grown.set(chunk);
    this.chunks[c] = grown;
    return grown;
  }

  /** Frees the chunks that hold only inputs of removed segments, oldest first. */
  private releaseChunks(): void {
    const oldest = this.segments[0] as IndexedSegment | undefined;
    if (!oldest) {
      this.chunks = [];
      this.chunkBase = this.nextNumber;
      return;
    }
    const dead = Math.min(
      Math.floor((oldest.first - this.chunkBase) / CHUNK_ENTRIES),
      this.chunks.length - 1,
    );
    if (dead <= 0) return;
    this.chunks.splice(0, dead);
    this.chunkBase += dead * CHUNK_ENTRIES;
  }

  /** Segments are in seq order, as locations arrive in append order. */
  private segmentWithSeq(seq: number): IndexedSegment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const segment = this.segments[mid];
      if (segment.seq === seq) return segment;
      if (segment.seq < seq) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** The segment of input `number`; null if that is not in the index (any more). */
  private segmentOf(number: number): IndexedSegment | null {
    const segments = this.segments;
    let low = 0;
    let high = segments.length - 1;
    const newest = segments[high] as IndexedSegment | undefined;
    // Most lookups are of recent inputs.
    if (newest && number >= newest.first) {
      low = high;
    } else {
      while (low < high) {
        const mid = (low + high + 1) >>> 1;
        if (segments[mid].first <= number) low = mid;
        else high = mid - 1;
      }
    }
    const segment = segments[low] as IndexedSegment | undefined;
    return segment && number >= segment.first && number < segment.first + segment.count
      ? segment
      : null;
  }

  /** The input number a table handle stands for. */
  private numberOf(handle: number): number {
    let back = this.newestHandle - handle;
    if (back < 0) back += HANDLE_SPAN;
    return this.nextNumber - 1 - back;
  }

  /** Slot of the table where the probe for input `number` starts. */
  private homeOf(number: number): number {
    this.at(number);
    return this.atChunk[this.atBase + HASH_LOW] % this.table.length;
  }

  /**
   * The slot holding the newest input with this hash, or, when there is
   * none, `~slot` of the empty slot where it would go. Slots only ever hold
   * inputs in the index, so their words can be read without a check.
   */
  private slotOf(low: number, high: number): number {
    const table = this.table;
    const last = table.length - 1;
    for (let slot = low % table.length; ; slot = slot === last ? 0 : slot + 1) {
      const handle = table[slot];
      if (handle === 0) return ~slot;
      this.at(this.numberOf(handle));
      if (
        this.atChunk[this.atBase + HASH_LOW] === low &&
        this.atChunk[this.atBase + HASH_HIGH] === high
      )
        return slot;
    }
  }

  /**
   * Takes a segment's inputs out of the table one probe each. An input that
   * holds its slot is its id's newest; the inputs older than it go too, so
   * the slot is emptied.
   */
  private unlinkEach(segment: IndexedSegment): void {
    for (let number = segment.first; number < segment.first + segment.count; number++) {
      this.at(number);
      const slot = this.slotOf(
        this.atChunk[this.atBase + HASH_LOW],
        this.atChunk[this.atBase + HASH_HIGH],
      );
      // A later input with the same hash keeps the slot.
      if (slot < 0 || this.numberOf(this.table[slot]) !== number) continue;
      this.emptySlot(slot);
    }
  }

  /** Takes every input before `kept` out of the table in one pass over it. */
  private unlinkAll(kept: number): void {
    const table = this.table;
    const emptied = new Uint32Array((table.length + 31) >>> 5);
    let anyEmptied = false;
    for (let slot = 0; slot < table.length; slot++) {
      const handle = table[slot];
      if (handle === 0) continue;
      if (this.numberOf(handle) >= kept) continue;
      table[slot] = 0;
      emptied[slot >>> 5] |= 1 << (slot & 31);
      this.slotsUsed--;
      anyEmptied = true;
    }
    if (anyEmptied) this.closeGaps(emptied);
  }

  /** Empties one slot, moving later slots of its probe run back so that no lookup stops short (no tombstones). */
  private emptySlot(slot: number): void {
    const table = this.table;
    const last = table.length - 1;
    let hole = slot;
    for (
      let next = slot === last ? 0 : slot + 1;
      table[next] !== 0;
      next = next === last ? 0 : next + 1
    ) {
      const home = this.homeOf(this.numberOf(table[next]));
      // It stays if its home lies cyclically in (hole, next]: a lookup from there never passes the hole.
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (!stays) {
        table[hole] = table[next];
        hole = next;
      }
    }
    table[hole] = 0;
    this.slotsUsed--;
  }

  /**
   * After slots were emptied in bulk (`emptied`, a bit per slot), moves each
   * input a lookup would no longer reach, because an emptied slot now lies
   * between its home and it, to the first free slot from its home. Walks
   * the table once in probe order from a slot that was free before, so that
   * no probe run is entered midway; only runs with an emptied slot cost more
   * than a read per slot.
   */
  private closeGaps(emptied: Uint32Array): void {
    const table = this.table;
    const size = table.length;
    const wasEmptied = (slot: number): boolean => ((emptied[slot >>> 5] >>> (slot & 31)) & 1) === 1;
    let start = 0;
    while (table[start] !== 0 || wasEmptied(start)) start++;
    let broken = false;
    for (let step = 1, slot = start; step <= size; step++) {
      slot = slot === size - 1 ? 0 : slot + 1;
      const handle = table[slot];
      if (handle === 0) {
        broken = wasEmptied(slot);
        continue;
      }
      if (!broken) continue;
      table[slot] = 0;
      let home = this.homeOf(this.numberOf(handle));
      while (table[home] !== 0) home = home === size - 1 ? 0 : home + 1;
      table[home] = handle;
    }
  }

  private growTable(): void {
    const old = this.table;
    const table = new Uint32Array(Math.floor(old.length * GROWTH));
    const last = table.length - 1;
    // Slots hold distinct hashes: each goes to the first free slot from its home, with no comparisons.
    this.table = table;
    for (const handle of old) {
      if (handle === 0) continue;
      let slot = this.homeOf(this.numberOf(handle));
      while (table[slot] !== 0) slot = slot === last ? 0 : slot + 1;
      table[slot] = handle;
    }
  }
}

function handleOf(number: number): number {
  return (number % HANDLE_SPAN) + 1;
}
