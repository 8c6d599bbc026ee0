import { encodeRecord } from './segment-file';
import { RecentRecords } from './recent-records';

const records = (...ids: string[]): Buffer => Buffer.concat(ids.map((id) => encodeRecord({ id })));
const json = (batch: { records: Buffer[] } | null): string[] =>
  (batch?.records ?? []).map((record) => record.toString('utf8'));
const size = (...ids: string[]): number => records(...ids).length;

describe(RecentRecords.name, () => {
  it('gives the records from a position on, across the writes that follow it in the segment', () => {
    const recent = new RecentRecords(1024 * 1024);
    recent.add(1, 0, records('a', 'b'));
    recent.add(1, size('a', 'b'), records('c'));
    const batch = recent.read({ seq: 1, offset: size('a'), records: 1 }, 1024);
    expect(json(batch)).toEqual(['{"id":"b"}', '{"id":"c"}']);
    expect(batch?.next).toEqual({ seq: 1, offset: size('a', 'b', 'c'), records: 3 });
  });

  it('stops after about maxBytes, on a record boundary, with at least one record', () => {
    const recent = new RecentRecords(1024 * 1024);
    recent.add(1, 0, records('a', 'b', 'c'));
    expect(json(recent.read({ seq: 1, offset: 0, records: 0 }, 1))).toEqual(['{"id":"a"}']);
    expect(json(recent.read({ seq: 1, offset: 0, records: 0 }, size('a') + 1))).toEqual([
      '{"id":"a"}',
      '{"id":"b"}',
    ]);
  });

  it('has nothing for a position it does not hold: caught up, another segment, inside a record, or dropped', () => {
    const recent = new RecentRecords(size('a', 'b') + 1);
    recent.add(1, 0, records('a'));
    recent.add(1, size('a'), records('b'));
    expect(recent.read({ seq: 1, offset: size('a', 'b'), records: 2 }, 1024)).toBeNull();
    expect(recent.read({ seq: 2, offset: 0, records: 0 }, 1024)).toBeNull();
    expect(recent.read({ seq: 1, offset: 3, records: 0 }, 1024)).toBeNull();
    // Past its bound, the oldest write goes.
    recent.add(2, 0, records('c'));
    expect(recent.read({ seq: 1, offset: 0, records: 0 }, 1024)).toBeNull();
    expect(json(recent.read({ seq: 1, offset: size('a'), records: 1 }, 1024))).toEqual([
      '{"id":"b"}',
    ]);
    expect(recent.bytes).toBe(size('b', 'c'));
  });

  it('does not run into the next segment or over a gap', () => {
    const recent = new RecentRecords(1024 * 1024);
    recent.add(1, 0, records('a'));
    recent.add(2, 0, records('b'));
    expect(json(recent.read({ seq: 1, offset: 0, records: 0 }, 1024))).toEqual(['{"id":"a"}']);
    recent.add(2, size('b') + 10, records('c'));
    expect(json(recent.read({ seq: 2, offset: 0, records: 0 }, 1024))).toEqual(['{"id":"b"}']);
  });

  it('forgets everything when cleared', () => {
    const recent = new RecentRecords(1024);
    recent.add(1, 0, records('a'));
    recent.clear();
    expect(recent.read({ seq: 1, offset: 0, records: 0 }, 1024)).toBeNull();
    expect(recent.bytes).toBe(0);
  });
});
