import fc from 'fast-check';
import { jsonNestingExceeds } from './json-depth';

/** The depth the scanner must find, computed on the parsed value. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null) {
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  }
  return 0;
}

describe(jsonNestingExceeds.name, () => {
  it.each([
    ['{}', 1],
    ['[[]]', 2],
    ['{"a":[{"b":1}]}', 3],
    ['"[[[[[["', 0],
    ['{"a":"\\"[[[[{{{{"}', 1],
    ['{"a":"\\\\","b":[[]]}', 3],
    ['[1,[2,[3]],[4]]', 3],
  ])('finds the depth of %s to be %i', (text, depth) => {
    expect(jsonNestingExceeds(text, depth)).toBe(false);
    expect(jsonNestingExceeds(text, depth - 1)).toBe(depth > 0);
  });

  it('refuses 2,000 levels in a 4 KB body without recursion', () => {
    const text = `${'['.repeat(2_000)}${']'.repeat(2_000)}`;
    expect(jsonNestingExceeds(text, 32)).toBe(true);
  });

  it('agrees with the parsed value on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        const depth = depthOf(value);
        expect(jsonNestingExceeds(text, depth)).toBe(false);
        if (depth > 0) expect(jsonNestingExceeds(text, depth - 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
