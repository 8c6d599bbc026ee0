import { InputLogIndex, decodeCursor, encodeCursor } from './input-log.index';
import type { IndexEntry } from './input-log.index';

const at = (seq: number, offset: number) => ({ seq, offset, length: 10 });
const ids = (entries: IndexEntry[]) => entries.map((e) => e.id);

/** Inputs a..l over three segments, four in each, 10 bytes apart. */
function filled(): InputLogIndex {
  const index = new InputLogIndex();
  'abcdefghijkl'.split('').forEach((id, i) => index.addInput(id, at(Math.floor(i / 4) + 1, (i % 4) * 10)));
  return index;
}

describe(InputLogIndex.name, () => {
  it('pages newest first across segments, each page starting where the last ended', () => {
    const index = filled();
    const seen: string[] = [];
    let start = null;
    let pages = 0;
    do {
      const page = index.page(5, start);
      seen.push(...ids(page.entries));
      start = page.next;
      pages++;
    } while (start);
    expect(seen).toEqual('lkjihgfedcba'.split(''));
    expect(pages).toBe(3);
  });

  it('has no next page when the last one is exactly full', () => {
    const index = filled();
    expect(index.page(12, null).next).toBeNull();
    expect(index.page(11, null).next).toEqual({ seq: 1, offset: 10 });
    expect(ids(index.page(11, { seq: 1, offset: 10 }).entries)).toEqual(['a']);
  });

  it('accepts a position between entries and in a segment that is gone', () => {
    const index = filled();
    expect(ids(index.page(2, { seq: 2, offset: 15 }).entries)).toEqual(['f', 'e']);
    expect(ids(index.page(2, { seq: 9, offset: 0 }).entries)).toEqual(['l', 'k']);
    expect(index.page(2, { seq: 1, offset: 0 })).toEqual({ entries: [], next: null });
  });

  it('joins an outcome to the latest input with its id', () => {
    const index = new InputLogIndex();
    index.addInput('dup', at(1, 0));
    index.addInput('dup', at(1, 10));
    expect(index.addOutcome('dup', at(1, 20))).toBe(true);
    expect(index.get('dup')?.input).toEqual(at(1, 10));
    expect(index.get('dup')?.outcome).toEqual(at(1, 20));
    expect(index.page(5, null).entries.map((e) => e.outcome)).toEqual([at(1, 20), null]);
    expect(index.addOutcome('unknown', at(1, 30))).toBe(false);
  });

  it('forgets removed segments, keeping a newer input with a repeated id', () => {
    const index = filled();
    index.addInput('a', at(4, 0));
    index.removeSegments([1, 2]);
    expect(index.size).toBe(5);
    expect(index.get('b')).toBeUndefined();
    expect(index.get('e')).toBeUndefined();
    expect(index.get('a')?.seq).toBe(4);
    expect(ids(index.page(10, null).entries)).toEqual(['a', 'l', 'k', 'j', 'i']);
  });
});

describe('log cursors', () => {
  it('round-trip a position and look opaque', () => {
    const cursor = encodeCursor({ seq: 12, offset: 345678 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('345678');
    expect(decodeCursor(cursor)).toEqual({ seq: 12, offset: 345678 });
  });

  it.each(['', 'abc', '!!!', Buffer.from('12').toString('base64url'), Buffer.from('1:-2').toString('base64url'), 'x'.repeat(100)])(
    'refuses %j',
    (cursor) => {
      expect(decodeCursor(cursor)).toBeNull();
    },
  );
});
