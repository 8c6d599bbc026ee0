import {
  addCounts,
  countLines,
  quantile,
  renderTable,
  summarizeCrashes,
  summarizeThroughput,
} from './measure';

describe('quantile', () => {
  it('takes the nearest rank of the sorted values', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([7], 0.01)).toBe(7);
  });

  it('is NaN without values', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('summarizeThroughput', () => {
  it('divides appends by the measured seconds', () => {
    const result = summarizeThroughput(64, [1, 2, 3, 4], 2);
    expect(result).toEqual({
      concurrency: 64,
      appends: 4,
      seconds: 2,
      appendsPerSecond: 2,
      p50Ms: 2,
      p99Ms: 4,
    });
  });
});

describe('countLines', () => {
  it('counts every line, and as code only those that are not blank or comment', () => {
    const text = [
      '/**',
      ' * A doc comment.',
      ' */',
      'export const a = 1; // trailing comment is still code',
      '',
      '// a line comment',
      '/* one-line block */',
      '/* block then */ const b = 2;',
      'const c = 3;',
      '',
    ].join('\n');
    expect(countLines(text)).toEqual({ total: 9, code: 3 });
  });

  it('adds counts of several files', () => {
    expect(
      addCounts([
        { total: 3, code: 2 },
        { total: 5, code: 1 },
      ]),
    ).toEqual({ total: 8, code: 3 });
  });
});

describe('summarizeCrashes', () => {
  it('passes only when no round lost an acknowledged id or left the store unreadable', () => {
    const ok = { acknowledged: 10, missing: 0, readable: true };
    expect(summarizeCrashes([ok, ok])).toEqual({
      rounds: 2,
      acknowledged: 20,
      missing: 0,
      unreadable: 0,
      passed: true,
    });
    expect(summarizeCrashes([ok, { ...ok, missing: 1 }]).passed).toBe(false);
    expect(summarizeCrashes([ok, { ...ok, readable: false }]).passed).toBe(false);
    expect(summarizeCrashes([]).passed).toBe(false);
  });
});

describe('renderTable', () => {
  it('writes one Markdown row per engine with a pair of columns per concurrency', () => {
    const table = renderTable(
      [
        {
          engine: 'lmdb',
          crash: { rounds: 20, acknowledged: 100, missing: 0, unreadable: 0, passed: true },
          throughput: [summarizeThroughput(1, [2, 2], 1)],
          lines: { total: 400, code: 300 },
        },
      ],
      [1, 64],
    );
    expect(table.split('\n')).toEqual([
      '| engine | crash test (kills: acked, lost, unreadable) | appends/s @1 | p50 ms @1 | appends/s @64 | p50 ms @64 | our lines (code / total) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| lmdb | pass (20: 100, 0, 0) | 2 | 2.00 | – | – | 300 / 400 |',
    ]);
  });
});
