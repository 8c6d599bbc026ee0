import type { IdHash } from './id-hash';
import { IdIndex, decodeCursor, encodeCursor } from './id-index';
import type { IndexSpill, IndexedInput, LogPosition } from './id-index';
import type { RecordLocation } from './segment-writer';

const at = (seq: number, offset: number, length = 10): RecordLocation => ({ seq, offset, length });
const key = (location: RecordLocation) => `${location.seq}:${location.offset}`;

/**
 * A spill in memory with what the file one promises: changes in the order
 * they were asked for, each a few turns of the event loop later, so that
 * chunks are met in every state (being written, written, patched).
 */
class MemorySpill implements IndexSpill {
  readonly chunks = new Map<number, Uint32Array>();
  patches = 0;
  private queue: Promise<void> = Promise.resolve();

  /** @param refuse writes fail, as on a full disk. */
  constructor(private readonly refuse = false) {
    spills.push(this);
  }

  write(first: number, words: Uint32Array): Promise<void> {
    return this.change(() => {
      if (this.refuse) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
      this.chunks.set(first, words.slice());
    });
  }

  patch(first: number, at: number, words: Uint32Array): Promise<void> {
    this.patches++;
    return this.change(() => {
      const chunk = this.chunks.get(first);
      if (!chunk) throw new Error(`no chunk ${first} to patch`);
      chunk.set(words, at);
    });
  }

  async read(first: number, at: number, count: number): Promise<Uint32Array | null> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.chunks.get(first)?.slice(at, at + count) ?? null;
  }

  remove(first: number): Promise<void> {
    return this.change(() => this.chunks.delete(first));
  }

  clear(): Promise<void> {
    return this.change(() => this.chunks.clear());
  }

  /** Settles once every change asked for so far is done. */
  idle(): Promise<void> {
    return this.queue;
  }

  private change(operation: () => unknown): Promise<void> {
    const done = this.queue
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => {
        operation();
      });
    this.queue = done.catch(() => undefined);
    return done;
  }
}

/** How the index is made: all in memory, or spilling all but its two newest chunks of two inputs. */
type Mode = 'memory' | 'spill';
let mode: Mode = 'memory';
/** Spills made by a test, whose changes it lets finish before the next one starts. */
const spills: MemorySpill[] = [];
afterEach(async () => {
  await Promise.all(spills.splice(0).map((spill) => spill.idle()));
});

async function listOf(walk: AsyncIterable<IndexedInput>): Promise<IndexedInput[]> {
  const entries: IndexedInput[] = [];
  for await (const entry of walk) entries.push(entry);
  return entries;
}

/**
 * An index with what the log's records would tell: which id is at which
 * location. The index itself keeps no ids, so `find` verifies candidates the
 * way the service does, by the id of the record read.
 */
class Fixture {
  readonly index: IdIndex;
  readonly spill: MemorySpill | null;
  private readonly idAt = new Map<string, string>();

  constructor(hash?: IdHash) {
    this.spill = mode === 'spill' ? new MemorySpill() : null;
    this.index = new IdIndex(this.spill ? { hash, spill: this.spill, chunkBits: 1 } : { hash });
  }

  input(id: string, location: RecordLocation): this {
    if (!this.index.addInput(id, location))
      throw new Error(`${id} at ${key(location)} was refused`);
    this.idAt.set(key(location), id);
    return this;
  }

  idOf(entry: IndexedInput): string | undefined {
    return this.idAt.get(key(entry.input));
  }

  ids(entries: readonly IndexedInput[]): (string | undefined)[] {
    return entries.map((entry) => this.idOf(entry));
  }

  async find(id: string): Promise<IndexedInput | undefined> {
    for await (const candidate of this.index.candidates(id))
      if (this.idOf(candidate) === id) return candidate;
    return undefined;
  }

  /** Ids not found at their expected entry (`undefined`: not found at all); one assertion instead of thousands. */
  async misses(expected: Iterable<[string, IndexedInput | undefined]>): Promise<string[]> {
    const misses: string[] = [];
    const same = (a: RecordLocation | null | undefined, b: RecordLocation | null | undefined) =>
      a === b || (!!a && !!b && a.seq === b.seq && a.offset === b.offset && a.length === b.length);
    for (const [id, entry] of expected) {
      const found = await this.find(id);
      if (!same(found?.input, entry?.input) || !same(found?.outcome, entry?.outcome))
        misses.push(id);
    }
    return misses;
  }

  /** Every id, paging `limit` at a time, newest first. */
  async all(limit: number): Promise<(string | undefined)[]> {
    const seen: (string | undefined)[] = [];
    let start: LogPosition | null = null;
    do {
      const page = await this.index.page(limit, start);
      seen.push(...this.ids(page.entries));
      start = page.next;
    } while (start);
    return seen;
  }
}

/** Inputs a..l over three segments, four in each, 10 bytes apart. */
function filled(hash?: IdHash): Fixture {
  const fixture = new Fixture(hash);
  'abcdefghijkl'
    .split('')
    .forEach((id, i) => fixture.input(id, at(Math.floor(i / 4) + 1, (i % 4) * 10)));
  return fixture;
}

/** Every id hashes to the same 64 bits. */
const constantHash: IdHash = (_id, out) => {
  out[0] = 42;
  out[1] = 4242;
};

/** Ids `<n>` hash to n's residue mod `homes` (low) and n (high): long probe runs, no full collisions. */
const crowdedHash =
  (homes: number): IdHash =>
  (id, out) => {
    const n = Number(id);
    out[0] = n % homes;
    out[1] = n;
  };

/** Ids `<n>` with the same residue mod `groups` have the same 64-bit hash. */
const groupedHash =
  (groups: number): IdHash =>
  (id, out) => {
    out[0] = Number(id) % groups;
    out[1] = 7;
  };

describe.each<[string, Mode]>([
  ['all in memory', 'memory'],
  ['spilling all but its newest chunks', 'spill'],
])(`${IdIndex.name}, %s`, (_, indexMode) => {
  beforeAll(() => {
    mode = indexMode;
  });

  it('pages newest first across segments, each page starting where the last ended', async () => {
    const fixture = filled();
    let pages = 0;
    let start: LogPosition | null = null;
    const seen: (string | undefined)[] = [];
    do {
      const page = await fixture.index.page(5, start);
      seen.push(...fixture.ids(page.entries));
      start = page.next;
      pages++;
    } while (start);
    expect(seen).toEqual('lkjihgfedcba'.split(''));
    expect(pages).toBe(3);
    expect(await fixture.all(1)).toEqual(seen);
  });

  it('has no next page when the last one is exactly full', async () => {
    const fixture = filled();
    const { index } = fixture;
    expect((await index.page(12, null)).next).toBeNull();
    expect((await index.page(11, null)).next).toEqual({ seq: 1, offset: 10 });
    expect(fixture.ids((await index.page(11, { seq: 1, offset: 10 })).entries)).toEqual(['a']);
  });

  it('accepts a position between entries and in a segment that is gone', async () => {
    const fixture = filled();
    const { index } = fixture;
    expect(fixture.ids((await index.page(2, { seq: 2, offset: 15 })).entries)).toEqual(['f', 'e']);
    expect(fixture.ids((await index.page(2, { seq: 9, offset: 0 })).entries)).toEqual(['l', 'k']);
    expect(await index.page(2, { seq: 1, offset: 0 })).toEqual({ entries: [], next: null });
  });

  it('returns locations, and the outcome once it is joined', async () => {
    const fixture = new Fixture().input('x', at(3, 100, 57));
    expect(await listOf(fixture.index.candidates('x'))).toEqual([
      { input: at(3, 100, 57), outcome: null },
    ]);
    expect(fixture.index.addOutcome('x', at(5, 4096, 120))).toBe(true);
    expect((await fixture.index.page(1, null)).entries).toEqual([
      { input: at(3, 100, 57), outcome: at(5, 4096, 120) },
    ]);
  });

  it('joins an outcome to the latest input with its id, and lists older ones after it', async () => {
    const fixture = new Fixture().input('dup', at(1, 0)).input('dup', at(1, 10));
    const { index } = fixture;
    expect(index.addOutcome('dup', at(1, 20))).toBe(true);
    expect(await fixture.find('dup')).toEqual({ input: at(1, 10), outcome: at(1, 20) });
    expect((await listOf(index.candidates('dup'))).map((e) => e.input)).toEqual([
      at(1, 10),
      at(1, 0),
    ]);
    expect((await index.page(5, null)).entries.map((e) => e.outcome)).toEqual([at(1, 20), null]);
    // A second outcome for the id (both requests ended) lands on the latest input too.
    expect(index.addOutcome('dup', at(2, 0))).toBe(true);
    expect((await fixture.find('dup'))?.outcome).toEqual(at(2, 0));
    expect((await index.page(5, null)).entries[1]?.outcome).toBeNull();
    expect(index.addOutcome('unknown', at(2, 30))).toBe(false);
    expect(await listOf(index.candidates('unknown'))).toEqual([]);
    expect(index.size).toBe(2);
  });

  it('joins outcomes replayed out of order, as recovery reads them', async () => {
    const fixture = new Fixture();
    for (let i = 0; i < 20; i++) fixture.input(`r${i}`, at(1 + Math.floor(i / 7), (i % 7) * 100));
    // Outcomes arrive newest first and in later segments, as slow requests' would.
    for (let i = 19; i >= 0; i--)
      expect(fixture.index.addOutcome(`r${i}`, at(10 + i, i))).toBe(true);
    for (let i = 0; i < 20; i++)
      expect((await fixture.find(`r${i}`))?.outcome).toEqual(at(10 + i, i));
  });

  it('keeps an outcome many segments after its input, up to what it can encode', async () => {
    const { index } = new Fixture().input('far', at(1, 0)).input('too-far', at(1, 10));
    expect(index.addOutcome('far', at(1 + 1_000_000, 5, 4_000_000))).toBe(true);
    expect((await listOf(index.candidates('far')))[0]?.outcome).toEqual(
      at(1_000_001, 5, 4_000_000),
    );
    expect(index.addOutcome('too-far', at(1 + 2 ** 32, 0))).toBe(false);
    expect((await listOf(index.candidates('too-far')))[0]?.outcome).toBeNull();
  });

  it('refuses locations it cannot hold, leaving itself unchanged', async () => {
    const { index } = new Fixture();
    expect(index.addInput('big', at(1, 0, 2 ** 22))).toBe(false);
    expect(index.addInput('far', at(1, 2 ** 32, 10))).toBe(false);
    expect(index.size).toBe(0);
    expect(await listOf(index.candidates('big'))).toEqual([]);
  });

  it('forgets removed segments, keeping a newer input with a repeated id', async () => {
    const fixture = filled().input('a', at(4, 0));
    const { index } = fixture;
    index.removeSegments([1, 2]);
    expect(index.size).toBe(5);
    expect(await fixture.find('b')).toBeUndefined();
    expect(await fixture.find('e')).toBeUndefined();
    expect((await fixture.find('a'))?.input.seq).toBe(4);
    expect(await listOf(index.candidates('a'))).toHaveLength(1);
    expect(await fixture.all(10)).toEqual(['a', 'l', 'k', 'j', 'i']);
    // Their outcomes no longer join anything.
    expect(index.addOutcome('b', at(4, 10))).toBe(false);
    index.removeSegments([1, 7]);
    expect(index.size).toBe(5);
  });

  it('forgets only its oldest segments, as retention deletes them, and says so otherwise', async () => {
    const fixture = filled().input('a', at(4, 0)).input('m', at(5, 0));
    expect(() => fixture.index.removeSegments([4])).toThrow(RangeError);
    expect(() => fixture.index.removeSegments([1, 3])).toThrow(RangeError);
    expect(fixture.index.size).toBe(14);
    expect((await fixture.find('a'))?.input).toEqual(at(4, 0));
  });

  it('starts over after clear(), also for a walk over candidates begun before', async () => {
    const fixture = new Fixture(constantHash).input('x', at(1, 0)).input('y', at(1, 10));
    const walk = fixture.index.candidates('x');
    expect(fixture.idOf((await walk.next()).value as IndexedInput)).toBe('y');
    fixture.index.clear();
    expect(fixture.index.size).toBe(0);
    expect(await fixture.index.page(10, null)).toEqual({ entries: [], next: null });
    expect(await fixture.find('y')).toBeUndefined();
    fixture.input('x', at(1, 0));
    expect((await walk.next()).done).toBe(true);
    expect((await fixture.find('x'))?.input).toEqual(at(1, 0));
    expect(fixture.index.size).toBe(1);
  });

  describe('with ids whose hashes collide', () => {
    it('offers every input with the hash, newest first, so that the caller finds the right one', async () => {
      const fixture = new Fixture(constantHash)
        .input('x', at(1, 0))
        .input('y', at(1, 10))
        .input('x', at(2, 0));
      expect(fixture.ids(await listOf(fixture.index.candidates('y')))).toEqual(['x', 'y', 'x']);
      expect((await fixture.find('y'))?.input).toEqual(at(1, 10));
      expect((await fixture.find('x'))?.input).toEqual(at(2, 0));
      expect(await fixture.find('z')).toBeUndefined();
    });

    it('joins each outcome to its own input, even when the newest input with the hash is another', async () => {
      const fixture = new Fixture(constantHash).input('x', at(1, 0)).input('y', at(1, 10));
      expect(fixture.index.addOutcome('x', at(1, 20))).toBe(true);
      expect(fixture.index.addOutcome('y', at(1, 30))).toBe(true);
      expect((await fixture.find('x'))?.outcome).toEqual(at(1, 20));
      expect((await fixture.find('y'))?.outcome).toEqual(at(1, 30));
    });

    it('joins outcomes whose input is no longer awaited to the newest input with the hash', async () => {
      const fixture = new Fixture(constantHash).input('x', at(1, 0));
      // Enough other inputs, none of whose outcomes arrive, push x out of the awaited ones.
      for (let i = 0; i < 20_000; i++) fixture.input(`o${i}`, at(2, i * 10));
      expect(fixture.index.addOutcome('x', at(3, 0))).toBe(true);
      expect((await fixture.find('o19999'))?.outcome).toEqual(at(3, 0));
      expect((await fixture.find('x'))?.outcome).toBeNull();
    });

    it('keeps an input awaited when an older one with its id leaves the awaited ones', async () => {
      const fixture = new Fixture(constantHash).input('x', at(1, 0));
      for (let i = 1; i < 16_384; i++) fixture.input(`o${i}`, at(1, i * 10));
      fixture.input('x', at(2, 0)).input('y', at(2, 10));
      expect(fixture.index.addOutcome('x', at(2, 20))).toBe(true);
      expect(await fixture.find('x')).toEqual({ input: at(2, 0), outcome: at(2, 20) });
      expect((await fixture.find('y'))?.outcome).toBeNull();
    });

    it('keeps the survivors of removed segments findable', async () => {
      const fixture = new Fixture(constantHash)
        .input('x', at(1, 0))
        .input('y', at(2, 0))
        .input('z', at(3, 0));
      fixture.index.removeSegments([1]);
      expect(fixture.ids(await listOf(fixture.index.candidates('x')))).toEqual(['z', 'y']);
      expect(await fixture.find('x')).toBeUndefined();
      expect((await fixture.find('y'))?.input).toEqual(at(2, 0));
      fixture.index.removeSegments([2]);
      expect(fixture.ids(await listOf(fixture.index.candidates('y')))).toEqual(['z']);
      expect((await fixture.find('z'))?.input).toEqual(at(3, 0));
      fixture.index.removeSegments([3]);
      expect(await listOf(fixture.index.candidates('z'))).toEqual([]);
      expect(fixture.index.size).toBe(0);
    });

    it('stops a walk whose next input was removed meanwhile', async () => {
      const fixture = new Fixture(constantHash).input('x', at(1, 0)).input('y', at(2, 0));
      const walk = fixture.index.candidates('x');
      expect(fixture.idOf((await walk.next()).value as IndexedInput)).toBe('y');
      fixture.index.removeSegments([1]);
      expect((await walk.next()).done).toBe(true);
    });
  });

  it('grows through many inserts and finds every input afterwards, also after deletions shuffle long probe runs', async () => {
    for (const hash of [undefined, crowdedHash(97)]) {
      const fixture = new Fixture(hash);
      const count = hash ? 3000 : 60_000;
      const perSegment = Math.ceil(count / 12);
      const location = (i: number) => at(1 + Math.floor(i / perSegment), (i % perSegment) * 50, 50);
      const expected = (gone: (seq: number) => boolean) =>
        Array.from({ length: count }, (_, i): [string, IndexedInput | undefined] => {
          const input = location(i);
          return [String(i), gone(input.seq) ? undefined : { input, outcome: null }];
        });
      for (let i = 0; i < count; i++) fixture.input(String(i), location(i));
      expect(fixture.index.size).toBe(count);
      expect(await fixture.misses(expected(() => false))).toEqual([]);

      // The three oldest in one pass over the table, then one more: slots of survivors move back into the holes.
      fixture.index.removeSegments([1, 2, 3]);
      fixture.index.removeSegments([4]);
      expect(fixture.index.size).toBe(count - 4 * perSegment);
      expect(await fixture.misses(expected((seq) => seq <= 4))).toEqual([]);
    }
  });

  it('takes the few inputs of a small oldest segment out one probe each, keeping the rest findable', async () => {
    for (const hash of [undefined, crowdedHash(97)]) {
      const fixture = new Fixture(hash);
      // 20 inputs in segment 1, then enough in segment 2 that a pass over the table would cost more.
      const few = Array.from({ length: 20 }, (_, i): [string, IndexedInput] => [
        `f${i}`,
        { input: at(1, i * 50, 50), outcome: null },
      ]);
      const many = Array.from({ length: 5000 }, (_, i): [string, IndexedInput] => [
        `m${i}`,
        { input: at(2, i * 50, 50), outcome: null },
      ]);
      for (const [id, entry] of [...few, ...many]) fixture.input(id, entry.input);
      fixture.index.removeSegments([1]);
      expect(fixture.index.size).toBe(many.length);
      expect(await fixture.misses(few.map(([id]) => [id, undefined]))).toEqual([]);
      expect(await fixture.misses(many)).toEqual([]);
    }
  });

  it.each([
    ['ids with a real hash', undefined, false],
    ['ids crowding a few slots of the table', crowdedHash(5), false],
    ['ids in groups with one hash, one outcome per input', groupedHash(5), true],
  ])(
    'answers as a map of ids to their latest input would (%s)',
    async (_, hash, oneOutcomeEach) => {
      const fixture = new Fixture(hash);
      const latest = new Map<string, { input: RecordLocation; outcome: RecordLocation | null }>();
      const awaiting = new Set<string>();
      let random = 12345;
      const next = (n: number) => {
        random = (Math.imul(random, 1103515245) + 12345) >>> 0;
        return (random >>> 8) % n;
      };
      let seq = 1;
      let offset = 0;
      let oldest = 1;
      for (let step = 0; step < 20_000; step++) {
        const action = next(100);
        const location = at(seq, offset);
        if (action < 50) {
          const id = String(next(hash ? 40 : 3000));
          offset += 10;
          fixture.input(id, location);
          latest.set(id, { input: location, outcome: null });
          awaiting.add(id);
        } else if (action < 90) {
          const id = oneOutcomeEach
            ? [...awaiting][next(awaiting.size + 1)]
            : String(next(hash ? 40 : 3000));
          if (id === undefined) continue;
          offset += 10;
          awaiting.delete(id);
          const entry = latest.get(id);
          expect(fixture.index.addOutcome(id, location)).toBe(entry !== undefined);
          if (entry) entry.outcome = location;
        } else if (action < 97) {
          seq++;
          offset = 0;
        } else if (oldest < seq - 1) {
          fixture.index.removeSegments([oldest]);
          for (const [id, entry] of latest) {
            if (entry.input.seq > oldest) continue;
            latest.delete(id);
            awaiting.delete(id);
          }
          oldest++;
        }
        if (step % 97 === 0) {
          expect(await fixture.misses(latest)).toEqual([]);
          expect(fixture.index.size).toBe((await fixture.all(500)).length);
        }
      }
      expect(latest.size).toBeGreaterThan(5);
    },
  );

  describe('memory', () => {
    it.each([
      ['in one segment', 200_000],
      ['in segments of 50 000', 50_000],
      ['in segments of 10', 10],
    ])('costs at most 40 bytes per input %s, 18 with a spill', async (_, perSegment) => {
      const spill = mode === 'spill' ? new MemorySpill() : null;
      const index = new IdIndex(spill ? { spill } : {});
      const count = 200_000;
      for (let i = 0; i < count; i++) {
        index.addInput(
          `0b4f3c2e-8d1a-4e5f-9a6b-${String(i).padStart(12, '0')}`,
          at(1 + Math.floor(i / perSegment), (i % perSegment) * 320, 320),
        );
        if (i % 2 === 0)
          index.addOutcome(
            `0b4f3c2e-8d1a-4e5f-9a6b-${String(i).padStart(12, '0')}`,
            at(1 + Math.floor(i / perSegment), 7, 150),
          );
      }
      await spill?.idle();
      expect(index.size).toBe(count);
      expect(index.bytes / count).toBeLessThanOrEqual(spill ? 18 : 40);
    });

    it('gives memory back with the segments it forgets, and carries on', async () => {
      const fixture = new Fixture();
      const { index } = fixture;
      const location = (i: number) => at(1 + Math.floor(i / 10_000), (i % 10_000) * 100);
      const expected = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i): [string, IndexedInput] => [
          `id-${from + i}`,
          { input: location(from + i), outcome: null },
        ]);
      for (let i = 0; i < 100_000; i++) fixture.input(`id-${i}`, location(i));
      const full = index.bytes;
      index.removeSegments([1, 2, 3, 4, 5]);
      expect(index.bytes).toBeLessThan(full * 0.75);
      for (let i = 100_000; i < 120_000; i++) fixture.input(`id-${i}`, location(i));
      expect(await fixture.misses(expected(50_000, 120_000))).toEqual([]);
      expect(await fixture.find('id-49999')).toBeUndefined();
      index.removeSegments(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(index.size).toBe(0);
      expect(index.bytes).toBeLessThan(full * 0.3);
      index.clear();
      expect(index.bytes).toBeLessThanOrEqual(4096);
      fixture.input('again', at(13, 0));
      expect((await fixture.find('again'))?.input).toEqual(at(13, 0));
    });
  });
});

describe(`${IdIndex.name} with a spill`, () => {
  /** Ids `s0`, `s1`, ... at 10-byte steps, `perSegment` to a segment. */
  function spilling(
    count: number,
    options: { perSegment?: number; spill?: MemorySpill; hash?: IdHash } = {},
  ) {
    const spill = options.spill ?? new MemorySpill();
    const index = new IdIndex({ spill, chunkBits: 2, hash: options.hash });
    const perSegment = options.perSegment ?? 10;
    const location = (i: number) => at(1 + Math.floor(i / perSegment), (i % perSegment) * 10);
    for (let i = 0; i < count; i++) index.addInput(`s${i}`, location(i));
    const find = async (id: string) => {
      for await (const entry of index.candidates(id)) {
        const i = Number(id.slice(1));
        const expected = location(i);
        if (entry.input.seq === expected.seq && entry.input.offset === expected.offset)
          return entry;
      }
      return undefined;
    };
    return { index, spill, location, find };
  }

  it('keeps the words of all but its two newest chunks in the spill, and answers from there', async () => {
    const { index, spill, location, find } = spilling(40);
    for (let i = 0; i < 40; i += 2) index.addOutcome(`s${i}`, at(5, 1000 + i, 20));
    const inMemory = index.bytes;
    await spill.idle();
    // Ten chunks of four: the eight oldest are only in the spill now.
    expect(index.spilledChunks).toBe(8);
    expect([...spill.chunks.keys()]).toEqual([1, 5, 9, 13, 17, 21, 25, 29]);
    expect(index.bytes).toBeLessThan(inMemory);
    for (let i = 0; i < 40; i++) {
      expect(await find(`s${i}`)).toEqual({
        input: location(i),
        outcome: i % 2 === 0 ? at(5, 1000 + i, 20) : null,
      });
    }
    const page = await index.page(25, { seq: 4, offset: 0 });
    expect(page.entries.map((entry) => entry.input)).toEqual(
      Array.from({ length: 25 }, (_, i) => location(29 - i)),
    );
    expect(page.next).toEqual({ seq: 1, offset: 50 });
    expect((await index.page(10, page.next)).entries.map((entry) => entry.input)).toEqual(
      Array.from({ length: 5 }, (_, i) => location(4 - i)),
    );
  });

  it('joins an outcome that comes after its input spilled: at once, and in the spill after a patch', async () => {
    const { index, spill, find } = spilling(20);
    await spill.idle();
    expect(index.spilledChunks).toBe(3);
    expect(index.addOutcome('s1', at(3, 0, 30))).toBe(true);
    expect(spill.patches).toBe(1);
    expect((await find('s1'))?.outcome).toEqual(at(3, 0, 30));
    await spill.idle();
    expect(spill.chunks.get(1)?.slice(9, 12)).toEqual(Uint32Array.of(3, 0, 30));
    expect((await find('s1'))?.outcome).toEqual(at(3, 0, 30));
    expect((await index.page(1, { seq: 1, offset: 20 })).entries[0]?.outcome).toEqual(at(3, 0, 30));
  });

  it('joins an outcome that comes while its chunk is being written', async () => {
    const { index, spill, find } = spilling(12);
    // The twelfth input started the third chunk, which sent the first to the spill.
    expect(index.addOutcome('s0', at(2, 0, 40))).toBe(true);
    expect(index.spilledChunks).toBe(0);
    await spill.idle();
    expect(index.spilledChunks).toBe(1);
    expect(spill.chunks.get(1)?.slice(3, 6)).toEqual(Uint32Array.of(2, 0, 40));
    expect((await find('s0'))?.outcome).toEqual(at(2, 0, 40));
  });

  it('keeps a chunk the spill refuses in memory, and answers as well', async () => {
    const { index, spill, location, find } = spilling(40, { spill: new MemorySpill(true) });
    await spill.idle();
    expect(index.spilledChunks).toBe(0);
    expect(index.addOutcome('s0', at(9, 0))).toBe(true);
    expect(await find('s0')).toEqual({ input: location(0), outcome: at(9, 0) });
    expect(await find('s39')).toEqual({ input: location(39), outcome: null });
  });

  it('removes the spilled chunks of the segments retention deletes, and all of them on clear()', async () => {
    const { index, spill, find } = spilling(40);
    await spill.idle();
    index.removeSegments([1, 2]);
    await spill.idle();
    // s0..s19 went: chunks 1 to 17.
    expect([...spill.chunks.keys()]).toEqual([21, 25, 29]);
    expect(await find('s20')).toBeDefined();
    expect(await find('s19')).toBeUndefined();
    index.clear();
    await spill.idle();
    expect(spill.chunks.size).toBe(0);
    expect(await find('s39')).toBeUndefined();
  });

  it('ends a page at the segments retention removed while the spill was read', async () => {
    const { index, spill, location } = spilling(40);
    await spill.idle();
    const paging = index.page(40, null);
    index.removeSegments([1, 2]);
    const page = await paging;
    expect(page.entries.map((entry) => entry.input)).toEqual(
      Array.from({ length: 20 }, (_, i) => location(39 - i)),
    );
    expect(page.next).toBeNull();
  });

  it('ends a walk whose next input left the index while the spill was read', async () => {
    const constant: IdHash = (_id, out) => {
      out[0] = 1;
      out[1] = 2;
    };
    const { index, spill } = spilling(20, { perSegment: 1, hash: constant });
    await spill.idle();
    const walk = index.candidates('s0');
    expect((await walk.next()).value).toEqual({ input: at(20, 0), outcome: null });
    const next = walk.next();
    index.removeSegments(Array.from({ length: 19 }, (_, i) => i + 1));
    expect((await next).done).toBe(true);
  });
});

describe('log cursors', () => {
  it('round-trip a position and look opaque', async () => {
    const cursor = encodeCursor({ seq: 12, offset: 345678 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('345678');
    expect(decodeCursor(cursor)).toEqual({ seq: 12, offset: 345678 });
  });

  it.each([
    '',
    'abc',
    '!!!',
    Buffer.from('12').toString('base64url'),
    Buffer.from('1:-2').toString('base64url'),
    'x'.repeat(100),
  ])('refuses %j', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
