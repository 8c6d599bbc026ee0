import { shipBatchFromLog } from './ship-batch';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe(shipBatchFromLog.name, () => {
  it('joins the records’ JSON, byte for byte, into one array and keeps the count it was given', () => {
    const records = [
      json({ type: 'input', id: 'a', data: 'héllo 😀' }),
      json({ type: 'outcome', id: 'a' }),
    ];
    const batch = shipBatchFromLog(records, 3);
    expect(batch.json.toString('utf8')).toBe(`[${records.join(',')}]`);
    expect(JSON.parse(batch.json.toString('utf8'))).toEqual([
      { type: 'input', id: 'a', data: 'héllo 😀' },
      { type: 'outcome', id: 'a' },
    ]);
    expect(batch.records).toBe(3);
  });

  it('is an empty array for no records', () => {
    expect(shipBatchFromLog([], 0).json.toString('utf8')).toBe('[]');
  });

  it('replaces NUL and lone surrogates, which PostgreSQL cannot store, with U+FFFD', () => {
    const batch = shipBatchFromLog(
      [json({ id: 'a', data: 'a\u0000b', note: 'x\ud800y\udc00z\ud83d\ude00', n: 1 })],
      1,
    );
    expect(JSON.parse(batch.json.toString('utf8'))).toEqual([
      { id: 'a', data: 'a\ufffdb', note: 'x\ufffdy\ufffdz\ud83d\ude00', n: 1 },
    ]);
  });

  it('keeps other escapes and an escaped backslash before a u as they are', () => {
    const batch = shipBatchFromLog([json({ data: 'a\\u0000 \u0001\t' })], 1);
    expect(JSON.parse(batch.json.toString('utf8'))).toEqual([{ data: 'a\\u0000 \u0001\t' }]);
  });

  it('leaves out a record whose JSON does not parse', () => {
    const batch = shipBatchFromLog([Buffer.from('{"id":"\\u00'), json({ id: 'b' })], 2);
    expect(JSON.parse(batch.json.toString('utf8'))).toEqual([{ id: 'b' }]);
  });
});
