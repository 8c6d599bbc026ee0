import { formatCount, formatFixed, formatRatio, formatTable, median, ratio } from './bench-table';

describe(median.name, () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('leaves out values that are not numbers, and has none for none', () => {
    expect(median([Number.NaN, 5, 1, Number.NaN])).toBe(3);
    expect(median([])).toBeNaN();
    expect(median([Number.NaN])).toBeNaN();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe(ratio.name, () => {
  it('divides, and has no ratio to nothing', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
    expect(ratio(3, Number.NaN)).toBeNaN();
  });
});

describe('cell formats', () => {
  it('writes ratios, counts and fixed decimals, and a dash for a missing value', () => {
    expect(formatRatio(1.234)).toBe('1.23×');
    expect(formatRatio(Number.NaN)).toBe('—');
    expect(formatCount(12345.6)).toBe('12,346');
    expect(formatCount(Number.NaN)).toBe('—');
    expect(formatFixed(0.125, 1)).toBe('0.1');
    expect(formatFixed(Number.POSITIVE_INFINITY, 1)).toBe('—');
  });
});

describe(formatTable.name, () => {
  it('aligns the first column left and the others right, under a rule', () => {
    expect(
      formatTable(
        ['scenario', 'system', 'req/s'],
        [
          ['forward c=64', 'ours', '8,110'],
          ['local c=1', 'nest-pair', '950'],
        ],
      ),
    ).toBe(
      [
        'scenario         system  req/s',
        '------------  ---------  -----',
        'forward c=64       ours  8,110',
        'local c=1     nest-pair    950',
      ].join('\n'),
    );
  });

  it('keeps a row shorter than the header', () => {
    expect(formatTable(['a', 'b'], [['x']])).toBe(['a  b', '-  -', 'x'].join('\n'));
  });
});
