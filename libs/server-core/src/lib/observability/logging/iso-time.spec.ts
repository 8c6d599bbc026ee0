import fc from 'fast-check';
import pino from 'pino';
import { IsoTimeCache, cachedIsoTimeField } from './iso-time';

describe(IsoTimeCache.name, () => {
  it('gives what toISOString gives, for any run of times, repeated or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { maxLength: 20 }),
        (times) => {
          const cache = new IsoTimeCache();
          for (const ms of [...times, ...times.slice().reverse()]) {
            expect(cache.of(ms)).toBe(new Date(ms).toISOString());
          }
        },
      ),
    );
  });
});

describe(cachedIsoTimeField.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it("writes pino's isoTime field, and a new one when the millisecond changes", () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 11, 6, 8, 12, 27, 351) });
    expect(cachedIsoTimeField()).toBe(pino.stdTimeFunctions.isoTime());
    expect(cachedIsoTimeField()).toBe(',"time":"2026-12-06T08:12:27.351Z"');
    jest.advanceTimersByTime(1);
    expect(cachedIsoTimeField()).toBe(',"time":"2026-12-06T08:12:27.352Z"');
    expect(cachedIsoTimeField()).toBe(pino.stdTimeFunctions.isoTime());
  });
});
