import { ServerTCP } from '@nestjs/microservices';

/** A name JSON cannot parse unless it is one of JSON's three keywords. */
const PLAIN_NAME = /^[A-Za-z_][\w.:-]*$/;
const JSON_KEYWORDS: ReadonlySet<string> = new Set(['true', 'false', 'null']);

/**
 * Nest's TCP server with a cheaper route lookup. For every incoming message
 * Nest first tries `JSON.parse` on the pattern (an object pattern arrives as
 * JSON text) and, when that throws, uses the string as it is. Our patterns
 * are plain names (`predictor.predict.v1`), so every message threw and caught
 * a SyntaxError, stack trace included: 2-30 µs of the predictor's time per
 * message, more than its route lookup and handler dispatch together. A name
 * that JSON cannot parse now goes straight to where the fallback went; any
 * other pattern takes Nest's own path, so every route resolves as before.
 */
export class PredictorTcpServer extends ServerTCP {
  protected override getRouteFromPattern(pattern: string): string {
    return PLAIN_NAME.test(pattern) && !JSON_KEYWORDS.has(pattern)
      ? this.normalizePattern(pattern)
      : super.getRouteFromPattern(pattern);
  }
}
