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

/**
 * Where the index keeps the words of inputs it no longer holds in memory: a
 * chunk of inputs, named by the number of its first, as one array of
 * words. Calls that change what is stored take effect in the order they are
 * made (a patch after the write of its chunk).
 */
export interface IndexSpill {
  /** Stores a chunk's words. */
  write(first: number, words: Uint32Array): Promise<void>;
  /** Overwrites the words of a stored chunk from word `at` on. */
  patch(first: number, at: number, words: Uint32Array): Promise<void>;
  /** `count` words of a stored chunk from word `at` on; null when it is not stored (any more). */
  read(first: number, at: number, count: number): Promise<Uint32Array | null>;
  /** Forgets a stored chunk. */
  remove(first: number): Promise<void>;
  /** Forgets every chunk, also those an earlier process stored. */
  clear(): Promise<void>;
}

export interface IdIndexOptions {
  /** Replaceable so that tests can make ids collide. */
  hash?: IdHash;
  /** Without one, every input's words stay in memory. */
  spill?: IndexSpill;
  /** Inputs per chunk, as a power of two; specs make it small so that a few inputs spill. */
  chunkBits?: number;
}

/*
 * An input is HASH_STRIDE unsigned 32-bit words that probes read, always in
 * memory:
 *
 *   HASH_LOW     the id's hash, low 32 bits
 *   HASH_HIGH    and high 32 bits
 *
 * and WORD_STRIDE words that only answers read, in memory for the newest
 * chunks and in the spill for the others:
 *
 *   IN_OFFSET    offset of the input record
 *   IN_LENGTH    its length
 *   PREVIOUS     how many inputs back the previous input with the same hash is (0: none)
 *   OUT_SEQ      the outcome's segment, as seq - the input's seq + 1 (0: no outcome yet)
 *   OUT_OFFSET   offset of the outcome record
 *   OUT_LENGTH   its length
 *
 * An outcome is appended after its input, so its segment is the input's or a
 * later one. Offsets fit 32 bits since a segment is at most 1 GiB (plus one
 * record), and lengths LENGTH_LIMIT since a record is at most
 * MAX_RECORD_BYTES (a scan may hand over a line of its read chunk plus that).
 * The outcome's three words come last and together: a late outcome is one
 * patch of the spill.
 */
const HASH_STRIDE = 2;
const HASH_LOW = 0;
const HASH_HIGH = 1;

const WORD_STRIDE = 6;
const IN_OFFSET = 0;
const IN_LENGTH = 1;
const PREVIOUS = 2;
const OUT_SEQ = 3;
const OUT_OFFSET = 4;
const OUT_LENGTH = 5;

const LENGTH_LIMIT = 1 << 22;
const MAX_U32 = 0xffff_ffff;
const MAX_OUTCOME_DELTA = MAX_U32 - 1;

/**
 * Inputs are stored in fixed chunks rather than one array that doubles: at
 * most one chunk is partly used, growth never copies more than a chunk,
 * retention frees whole chunks from the front, and a chunk is what spills.
 */
const CHUNK_BITS = 13;
/** The first chunk starts this small and doubles up to a whole chunk: a small log stays small. */
const FIRST_CHUNK_ENTRIES = 64;
/**
 * The newest chunks whose words stay in memory: the one being filled, and
 * the one before, whose last inputs may still be awaiting their outcome.
 * Outcomes that come later still are patched into the spill.
 */
const CHUNKS_IN_MEMORY = 2;

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
 * `memory`: its words are only in memory. `spilling`: being written to the
 * spill, still read from memory. `spilled`: read from the spill. `kept`: the
 * spill refused it, so its words stay in memory.
 */
type ChunkState = 'memory' | 'spilling' | 'spilled' | 'kept';

interface Chunk {
  /** Number of its first input. */
  readonly first: number;
  hashes: Uint32Array;
  /** Null once spilled. */
  words: Uint32Array | null;
  state: ChunkState;
  /** It left the index; a spill that finishes after that removes what it stored. */
  gone: boolean;
}

/** An outcome joined to a spilled input, kept until its patch of the spill is done. */
type LateOutcome = Uint32Array;

const NO_CHUNK: Chunk = {
  first: 0,
  hashes: new Uint32Array(0),
  words: null,
  state: 'memory',
  gone: true,
};

/**
 * Every input within retention, found by id and listed newest first. Rebuilt
 * at startup by scanning the segments, kept up to date as batches become
 * durable, and trimmed with the segments retention deletes, so its size
 * follows INPUT_LOG_RETENTION_BYTES.
 *
 * That is millions of inputs, so it keeps no object or string per input:
 * inputs are numbered in append order, and an open-addressing table (4 bytes
 * a slot, 5.3 to 8 bytes per input with the free ones) maps the id's 64-bit
 * hash to the newest input with that hash. Inputs with the same hash (the
 * same id sent again, or rarely two ids that collide) are chained newest to
 * oldest, so that each stays findable while probes stay short even when a
 * client sends one id for everything. Segments are only ranges of numbers.
 *
 * Of each input, memory holds only the 8 bytes of its hash, which every
 * probe reads. Where its records are (24 bytes) is needed only to answer a
 * query, so past the newest chunks it goes to the spill, a file per chunk
 * beside the log: the index then costs ~14 bytes of memory per input instead
 * of ~38, and a query reads a few words from a file the kernel most likely
 * caches. Queries are therefore asynchronous; appends, outcomes and
 * retention are not.
 *
 * Ids are chosen by clients (`x-request-id`) and may repeat: `candidates`
 * answers the latest input with an id first, and an outcome joins the latest
 * input with its id, which is the request that just ended.
 */
export class IdIndex {
  private readonly hash: IdHash;
  private readonly spill: IndexSpill | null;
  private readonly chunkBits: number;
  private readonly chunkEntries: number;
  private readonly chunkMask: number;
  /** Oldest first, in seq and number order; only segments with at least one input. */
  private segments: IndexedSegment[] = [];
  /** `chunkEntries` inputs each, by number: chunk k starts at `chunkBase + k * chunkEntries`. */
  private chunks: Chunk[] = [];
  private chunkBase = 1;
  private table = new Uint32Array(INITIAL_SLOTS);
  private slotsUsed = 0;
  private inputs = 0;
  /**
   * The number the next input gets. Never reused, not even after `clear()`:
   * a number kept across changes (a candidate walk, an input awaiting its
   * outcome, a chunk being spilled) can then never land on another input.
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
  /** Outcomes of spilled inputs whose patch is not done yet, by input number: answers read them first. */
  private readonly lateOutcomes = new Map<number, LateOutcome>();
  private readonly hashed = new Uint32Array(2);
  /** Where `at()` found an input; fields instead of a result object keep probes allocation-free. */
  private atChunk: Chunk = NO_CHUNK;
  private atIndex = 0;

  constructor(options: IdIndexOptions = {}) {
    this.hash = options.hash ?? seededIdHash();
    this.spill = options.spill ?? null;
    this.chunkBits = options.chunkBits ?? CHUNK_BITS;
    this.chunkEntries = 1 << this.chunkBits;
    this.chunkMask = this.chunkEntries - 1;
  }

  get size(): number {
    return this.inputs;
  }

  /** Bytes of the typed arrays the index holds in memory (not the bounded map of inputs awaiting an outcome, nor the few objects per segment). */
  get bytes(): number {
    let bytes = this.table.byteLength;
    for (const chunk of this.chunks)
      bytes += chunk.hashes.byteLength + (chunk.words?.byteLength ?? 0);
    return bytes;
  }

  /** How many chunks' words are in the spill and no longer in memory. */
  get spilledChunks(): number {
    let spilled = 0;
    for (const chunk of this.chunks) if (chunk.state === 'spilled') spilled++;
    return spilled;
  }

  /**
   * Records an input. Locations must arrive in append order.
   * @returns false for a location the index cannot hold (none the log writes or accepts when scanning).
   */
  addInput(id: string, location: RecordLocation): boolean {
    const { seq, offset, length } = location;
    if (!(offset >= 0 && offset <= MAX_U32 && length >= 0 && length < LENGTH_LIMIT)) return false;
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
    const index = (number - this.chunkBase) & this.chunkMask;
    this.hash(id, this.hashed);
    const low = this.hashed[0];
    const high = this.hashed[1];
    chunk.hashes[index * HASH_STRIDE + HASH_LOW] = low;
    chunk.hashes[index * HASH_STRIDE + HASH_HIGH] = high;
    // The newest chunk's words are in memory: chunkFor made it.
    const words = chunk.words as Uint32Array;
    const base = index * WORD_STRIDE;
    words[base + IN_OFFSET] = offset;
    words[base + IN_LENGTH] = length;
    words[base + PREVIOUS] = 0;
    words[base + OUT_SEQ] = 0;
    words[base + OUT_OFFSET] = 0;
    words[base + OUT_LENGTH] = 0;

    const slot = this.slotOf(low, high);
    if (slot >= 0) {
      const distance = number - this.numberOf(this.table[slot]);
      // Farther back than that, the older input is long past retention.
      words[base + PREVIOUS] = distance <= MAX_U32 ? distance : 0;
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
      length < LENGTH_LIMIT
    )) {
      return false;
    }
    this.at(number);
    const chunk = this.atChunk;
    if (chunk.words) {
      const base = this.atIndex * WORD_STRIDE;
      chunk.words[base + OUT_SEQ] = delta + 1;
      chunk.words[base + OUT_OFFSET] = offset;
      chunk.words[base + OUT_LENGTH] = length;
    }
    // A chunk being written may have been copied before this outcome: it is patched after.
    if (chunk.state === 'spilling' || chunk.state === 'spilled') {
      this.patchLate(chunk, number, Uint32Array.of(delta + 1, offset, length));
    }
    return true;
  }

  /**
   * The inputs that may carry this id, latest first: all the inputs with its
   * hash. Almost always the first is the one; the caller checks the record's
   * id and moves on to the next on a mismatch. Lazy, and safe to resume after
   * the index changed (inputs deleted meanwhile end the walk).
   * @throws the spill's error when it cannot be read.
   */
  async *candidates(id: string): AsyncGenerator<IndexedInput, void, undefined> {
    this.hash(id, this.hashed);
    const slot = this.slotOf(this.hashed[0], this.hashed[1]);
    if (slot < 0) return;
    let number = this.numberOf(this.table[slot]);
    for (;;) {
      const segment = this.segmentOf(number);
      if (!segment) return;
      const words = await this.wordsOf(number, 1);
      // Gone while its words were read.
      if (!words || this.segmentOf(number) !== segment) return;
      const previous = words[PREVIOUS];
      yield entryOf(segment.seq, words, 0);
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
    for (const chunk of this.chunks) chunk.gone = true;
    this.segments = [];
    this.chunks = [];
    this.chunkBase = this.nextNumber;
    this.table = new Uint32Array(INITIAL_SLOTS);
    this.slotsUsed = 0;
    this.inputs = 0;
    this.awaitingOutcome.clear();
    this.awaitedIds.fill(undefined);
    this.lateOutcomes.clear();
    this.atChunk = NO_CHUNK;
    // Also what an earlier process spilled: its numbers are this one's again.
    this.spill?.clear().catch(() => undefined);
  }

  /**
   * Up to `limit` inputs older than `start` (or the newest, without it),
   * newest first, and the cursor position of the next page (null on the last).
   * @throws the spill's error when it cannot be read.
   */
  async page(
    limit: number,
    start: LogPosition | null,
  ): Promise<{ entries: IndexedInput[]; next: LogPosition | null }> {
    const entries: IndexedInput[] = [];
    let more = false;
    // The next older segment is found afresh after each read, by binary
    // search: retention may have removed segments meanwhile.
    let segment = this.lastSegmentWhere((s) => !start || s.seq <= start.seq);
    while (segment && !more) {
      const current: IndexedSegment = segment;
      let last = current.count - 1;
      if (start && current.seq === start.seq) last = await this.lastBefore(current, start.offset);
      if (last >= 0) {
        const wanted = limit - entries.length;
        more = last + 1 > wanted;
        const from = more ? last + 1 - wanted : 0;
        const words = await this.wordsOfRange(current.first + from, last + 1 - from);
        if (!words) break;
        for (let i = last - from; i >= 0; i--) entries.push(entryOf(current.seq, words, i));
      }
      segment = this.lastSegmentWhere((s) => s.first < current.first);
    }
    const lastEntry = entries[entries.length - 1];
    return {
      entries,
      next: more && lastEntry ? { seq: lastEntry.input.seq, offset: lastEntry.input.offset } : null,
    };
  }

  /** Index of the last input strictly before `offset` in one segment (-1 if none). */
  private async lastBefore(segment: IndexedSegment, offset: number): Promise<number> {
    let low = 0;
    let high = segment.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const words = await this.wordsOf(segment.first + mid, 1);
      // Gone meanwhile: nothing of it is before anything.
      if (!words) return -1;
      if (words[IN_OFFSET] < offset) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  /**
   * The words of `count` inputs from `number` on, one after another; null if
   * any of them left the index (or the spill) meanwhile.
   */
  private async wordsOfRange(number: number, count: number): Promise<Uint32Array | null> {
    if (count <= 0) return new Uint32Array(0);
    const parts: Uint32Array[] = [];
    for (let n = number; n < number + count;) {
      const inChunk = Math.min(
        number + count - n,
        this.chunkEntries - ((n - this.chunkBase) & this.chunkMask),
      );
      const words = await this.wordsOf(n, inChunk);
      if (!words) return null;
      parts.push(words);
      n += inChunk;
    }
    if (parts.length === 1 && parts[0]) return parts[0];
    const all = new Uint32Array(count * WORD_STRIDE);
    let at = 0;
    for (const part of parts) {
      all.set(part, at);
      at += part.length;
    }
    return all;
  }

  /**
   * The words of `count` inputs of one chunk from `number` on, with the
   * outcomes joined since it spilled; null if it left the index meanwhile.
   */
  private async wordsOf(number: number, count: number): Promise<Uint32Array | null> {
    const relative = number - this.chunkBase;
    if (relative < 0) return null;
    const chunk = this.chunks[relative >>> this.chunkBits];
    if (!chunk) return null;
    const index = relative & this.chunkMask;
    if (chunk.words) return chunk.words.slice(index * WORD_STRIDE, (index + count) * WORD_STRIDE);
    // Those not yet patched, as they are now: a patch may land while the spill is read.
    const late: [number, LateOutcome][] = [];
    for (const [n, outcome] of this.lateOutcomes) {
      if (n >= number && n < number + count) late.push([n, outcome]);
    }
    const spill = this.spill as IndexSpill;
    const words = await spill.read(chunk.first, index * WORD_STRIDE, count * WORD_STRIDE);
    if (!words || chunk.gone) return null;
    for (const [n, outcome] of late) words.set(outcome, (n - number) * WORD_STRIDE + OUT_SEQ);
    return words;
  }

  /** Points `atChunk` and `atIndex` at input `number`, which must be stored. */
  private at(number: number): void {
    const relative = number - this.chunkBase;
    this.atChunk = this.chunks[relative >>> this.chunkBits];
    this.atIndex = relative & this.chunkMask;
  }

  /** The chunk the new input `number` goes to, grown or added as needed. */
  private chunkFor(number: number): Chunk {
    const relative = number - this.chunkBase;
    const c = relative >>> this.chunkBits;
    const position = relative & this.chunkMask;
    const chunk: Chunk | undefined = this.chunks[c];
    if (chunk && (position + 1) * HASH_STRIDE <= chunk.hashes.length) return chunk;
    let entries = c === 0 ? Math.min(FIRST_CHUNK_ENTRIES, this.chunkEntries) : this.chunkEntries;
    if (chunk) entries = chunk.hashes.length / HASH_STRIDE;
    while (entries <= position) entries *= 2;
    entries = Math.min(entries, this.chunkEntries);
    const hashes = new Uint32Array(entries * HASH_STRIDE);
    const words = new Uint32Array(entries * WORD_STRIDE);
    if (chunk) {
      // Only the newest chunk grows, and its words are in memory.
      hashes.set(chunk.hashes);
      words.set(chunk.words as Uint32Array);
      chunk.hashes = hashes;
      chunk.words = words;
      return chunk;
    }
    const added: Chunk = {
      first: this.chunkBase + c * this.chunkEntries,
      hashes,
      words,
      state: 'memory',
      gone: false,
    };
    this.chunks[c] = added;
    const older = this.chunks[c - CHUNKS_IN_MEMORY];
    if (older) this.spillChunk(older);
    return added;
  }

  /** Moves a chunk's words to the spill; they stay in memory until it has them. */
  private spillChunk(chunk: Chunk): void {
    const spill = this.spill;
    if (!spill || chunk.state !== 'memory' || !chunk.words) return;
    chunk.state = 'spilling';
    // A copy: outcomes still land in memory while the spill writes it.
    spill.write(chunk.first, chunk.words.slice()).then(
      () => {
        if (chunk.gone) {
          spill.remove(chunk.first).catch(() => undefined);
          return;
        }
        chunk.words = null;
        chunk.state = 'spilled';
      },
      () => {
        // The spill says why; the words stay where they are, correct, at their old cost.
        chunk.state = 'kept';
      },
    );
  }

  /** Records an outcome of a chunk in (or on its way to) the spill, and patches it there. */
  private patchLate(chunk: Chunk, number: number, outcome: LateOutcome): void {
    const spill = this.spill as IndexSpill;
    this.lateOutcomes.set(number, outcome);
    const at = (number - chunk.first) * WORD_STRIDE + OUT_SEQ;
    spill.patch(chunk.first, at, outcome).then(
      () => {
        if (this.lateOutcomes.get(number) === outcome) this.lateOutcomes.delete(number);
      },
      () => {
        // Kept in the map, which answers read first; a chunk that never
        // reached the spill has the outcome in memory already.
        if (chunk.state === 'kept' && this.lateOutcomes.get(number) === outcome) {
          this.lateOutcomes.delete(number);
        }
      },
    );
  }

  /** Frees the chunks that hold only inputs of removed segments, oldest first. */
  private releaseChunks(): void {
    const oldest = this.segments[0] as IndexedSegment | undefined;
    const dead = oldest
      ? Math.min(
          Math.floor((oldest.first - this.chunkBase) / this.chunkEntries),
          this.chunks.length - 1,
        )
      : this.chunks.length;
    for (const chunk of this.chunks.splice(0, Math.max(dead, 0))) {
      chunk.gone = true;
      if (chunk.state === 'spilled') this.spill?.remove(chunk.first).catch(() => undefined);
    }
    if (!oldest) this.chunkBase = this.nextNumber;
    else if (dead > 0) this.chunkBase += dead * this.chunkEntries;
    for (const number of this.lateOutcomes.keys()) {
      if (number < this.chunkBase) this.lateOutcomes.delete(number);
    }
  }

  /**
   * The newest segment that `before` accepts, where it accepts every segment
   * up to some point and none after it (segments are in seq and number order).
   */
  private lastSegmentWhere(
    before: (segment: IndexedSegment) => boolean,
  ): IndexedSegment | undefined {
    let low = 0;
    let high = this.segments.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.segments[mid])) low = mid + 1;
      else high = mid;
    }
    return this.segments[low - 1];
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
    return this.atChunk.hashes[this.atIndex * HASH_STRIDE + HASH_LOW] % this.table.length;
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
      const hashes = this.atChunk.hashes;
      const base = this.atIndex * HASH_STRIDE;
      if (hashes[base + HASH_LOW] === low && hashes[base + HASH_HIGH] === high) return slot;
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
      const hashes = this.atChunk.hashes;
      const base = this.atIndex * HASH_STRIDE;
      const slot = this.slotOf(hashes[base + HASH_LOW], hashes[base + HASH_HIGH]);
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

/** The answer for the input whose words start at word `i * WORD_STRIDE` of `words`, in segment `seq`. */
function entryOf(seq: number, words: Uint32Array, i: number): IndexedInput {
  const base = i * WORD_STRIDE;
  const outSeq = words[base + OUT_SEQ];
  return {
    input: { seq, offset: words[base + IN_OFFSET], length: words[base + IN_LENGTH] },
    outcome:
      outSeq === 0
        ? null
        : {
            seq: seq + outSeq - 1,
            offset: words[base + OUT_OFFSET],
            length: words[base + OUT_LENGTH],
          },
  };
}

function handleOf(number: number): number {
  return (number % HANDLE_SPAN) + 1;
}
