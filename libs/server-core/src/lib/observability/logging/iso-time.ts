/**
 * `new Date(ms).toISOString()`, remembered for the last millisecond asked:
 * at thousands of requests a second, several in a row share a millisecond,
 * and each would otherwise make a Date and a 24-character string. One cache
 * per call site (the times one site asks for grow together; two sites
 * sharing one cache would evict each other).
 */
export class IsoTimeCache {
  private ms = Number.NaN;
  private text = '';

  /** The ISO 8601 form of `ms` (epoch milliseconds), as Date.prototype.toISOString writes it. */
  of(ms: number): string {
    if (ms !== this.ms) {
      this.text = new Date(ms).toISOString();
      this.ms = ms;
    }
    return this.text;
  }
}

const lineTimes = new IsoTimeCache();
let fieldMs = Number.NaN;
let field = '';

/**
 * pino's `stdTimeFunctions.isoTime` (`,"time":"<ISO 8601>"`), the same text,
 * made once per millisecond.
 */
export function cachedIsoTimeField(): string {
  const now = Date.now();
  if (now !== fieldMs) {
    field = `,"time":"${lineTimes.of(now)}"`;
    fieldMs = now;
  }
  return field;
}
