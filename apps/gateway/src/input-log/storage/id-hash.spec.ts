import { seededIdHash } from './id-hash';

const hashOf = (hash: ReturnType<typeof seededIdHash>, id: string): [number, number] => {
  const out = new Uint32Array(2);
  hash(id, out);
  return [out[0] ?? 0, out[1] ?? 0];
};

describe('seededIdHash', () => {
  it('is a function of the id and the seeds only', () => {
    const a = seededIdHash(1, 2);
    const b = seededIdHash(1, 2);
    for (const id of [
      '',
      'a',
      'ab',
      'abc',
      'req-1',
      '0b4f3c2e-8d1a-4e5f-9a6b-000000000001',
      'żółw 🐢',
    ]) {
      expect(hashOf(a, id)).toEqual(hashOf(b, id));
    }
    expect(hashOf(a, 'req-1')).not.toEqual(hashOf(seededIdHash(1, 3), 'req-1'));
    expect(hashOf(a, 'req-1')).not.toEqual(hashOf(seededIdHash(4, 2), 'req-1'));
  });

  it('tells apart ids that differ in one code unit, in length, or in the order of their halves', () => {
    const hash = seededIdHash(7, 11);
    const ids = [
      'a',
      'b',
      'ab',
      'ba',
      'abc',
      'abd',
      'a\u0000',
      '\u0000a',
      'x'.repeat(36),
      'x'.repeat(37),
      '\u{1F422}',
      '\uD83D',
    ];
    const seen = new Set(ids.map((id) => hashOf(hash, id).join(':')));
    expect(seen.size).toBe(ids.length);
  });

  it('gives 200 000 similar ids distinct 64-bit hashes whose low halves spread evenly', () => {
    const hash = seededIdHash();
    const seen = new Set<string>();
    const buckets = new Uint32Array(64);
    const count = 200_000;
    for (let i = 0; i < count; i++) {
      const [low, high] = hashOf(hash, `0b4f3c2e-8d1a-4e5f-9a6b-${String(i).padStart(12, '0')}`);
      seen.add(`${low}:${high}`);
      buckets[low % 64]++;
    }
    expect(seen.size).toBe(count);
    // Expected 3125 per bucket, standard deviation about 55.
    for (const bucket of buckets) expect(Math.abs(bucket - count / 64)).toBeLessThan(400);
  });
});
