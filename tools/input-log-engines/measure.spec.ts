import {
  addCounts,
  countLines,
  medianRun,
  quantile,
  renderCostTable,
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

describe('renderCostTable', () => {
  it('writes a row per engine and run, with – for what was not measured', () => {
    const table = renderCostTable([
      {
        engine: 'sqlite',
        crash: null,
        throughput: [
          { ...summarizeThroughput(64, [1, 3], 1), cpuUsPerAppend: 41.6, loopDelayP99Ms: 12.5 },
          summarizeThroughput(1, [2], 1),
        ],
        lines: { total: 1, code: 1 },
      },
    ]);
    expect(table.split('\n').slice(2)).toEqual([
      '| sqlite | 64 | 3.00 | 42 | 12.50 |',
      '| sqlite | 1 | 2.00 | – | – |',
    ]);
  });
});

describe('medianRun', () => {
  const run = (appendsPerSecond: number, p50Ms: number, concurrency = 64) => ({
    ...summarizeThroughput(concurrency, [p50Ms], 1),
    appendsPerSecond,
    cpuUsPerAppend: appendsPerSecond / 10,
  });

  it('takes the median of each figure on its own', () => {
    const median = medianRun([run(300, 1), run(100, 3), run(200, 2)]);
    expect(median).toMatchObject({
      concurrency: 64,
      appendsPerSecond: 200,
      p50Ms: 2,
      cpuUsPerAppend: 20,
    });
    expect(median.loopDelayP99Ms).toBeNaN();
  });

  it('refuses no runs, or runs at different concurrencies', () => {
    expect(() => medianRun([])).toThrow(RangeError);
    expect(() => medianRun([run(1, 1, 1), run(1, 1, 64)])).toThrow(RangeError);
  });
});
