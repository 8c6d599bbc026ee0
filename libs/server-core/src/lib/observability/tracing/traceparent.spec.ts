import fc from 'fast-check';
import type { SpanContext } from '@opentelemetry/api';
import { TRACEPARENT_PATTERN } from '@ml-system/contracts';
import { formatTraceparent, parseTraceparent } from './traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe(parseTraceparent.name, () => {
  it('reads the trace id, the parent span id and the sampled flag', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(0);
  });

  it('keeps only the sampled bit of the flags', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-ff`)?.traceFlags).toBe(1);
  });

  it('accepts a future version with extra fields, as the spec requires', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-comes-next`)?.traceId).toBe(TRACE);
  });

  it.each([
    ['absent', undefined],
    ['not a string', ['a']],
    ['empty', ''],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with extra fields', `00-${TRACE}-${SPAN}-01-x`],
    ['a short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['kilobytes of junk', `00-${TRACE}-${SPAN}-01-${'x'.repeat(1000)}`],
  ])('ignores a header that is %s', (_what, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe(formatTraceparent.name, () => {
  it('writes version 00 with two-digit flags, in the form the RPC meta accepts', () => {
    const header = formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 });
    expect(header).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(header).toMatch(TRACEPARENT_PATTERN);
  });

  it('round-trips through the parser', () => {
    const header = `00-${TRACE}-${SPAN}-00`;
    const parsed = parseTraceparent(header);
    expect(parsed && formatTraceparent(parsed)).toBe(header);
  });
});

/** The parser as first written (one capturing regular expression): what the faster one must equal. */
function referenceParse(header: unknown): SpanContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId = '', spanId = '', flags = '', rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1, isRemote: true };
}

describe(`${parseTraceparent.name} against the capturing parser`, () => {
  it('agrees on any header, near-valid ones included', () => {
    const hex = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefA0'), minLength: min, maxLength: max });
    const header = fc
      .tuple(
        fc.constantFrom('', ' ', '\t'),
        fc.oneof(hex(2, 2), fc.constantFrom('00', 'ff', '01', 'fe', '0')),
        hex(31, 33),
        hex(15, 17),
        hex(1, 3),
        fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        fc.constantFrom('', ' '),
      )
      .map(([lead, version, trace, span, flags, rest, trail]) =>
        [
          lead,
          version,
          '-',
          trace,
          '-',
          span,
          '-',
          flags,
          rest === undefined ? '' : `-${rest}`,
          trail,
        ].join(''),
      );
    fc.assert(
      fc.property(fc.oneof(header, fc.string(), fc.constant(undefined)), (value) => {
        expect(parseTraceparent(value)).toEqual(referenceParse(value));
      }),
      { numRuns: 3000 },
    );
  });
});
