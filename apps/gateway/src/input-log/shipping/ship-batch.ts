import type { ShipBatch } from '../database/input-log.database';

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');
/** `\u`: JSON.stringify escapes only control characters and lone surrogates so (or `\\u`, an escaped backslash before a u). */
const ESCAPE = Buffer.from('\\u');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NUL = /\0/g;

/**
 * What PostgreSQL can store of a string: its `jsonb` and `text` refuse NUL and
 * lone surrogates, which a JSON body may carry. Each becomes U+FFFD (a lone
 * surrogate is what node-postgres sent as UTF-8 anyway). The local log keeps the original.
 */
function storable(_key: string, value: unknown): unknown {
  return typeof value === 'string'
    ? value.replace(LONE_SURROGATE, '\uFFFD').replace(NUL, '\uFFFD')
    : value;
}

/**
 * A batch of records as the database takes it: their JSON from the log, as
 * it is, joined into one JSON array. Only a record with a `\u` escape (a
 * control character or a lone surrogate in its text: rare) is parsed, to make
 * it storable; one that does not parse is left out, as a damaged record is.
 */
export function shipBatchFromLog(records: readonly Buffer[], covered: number): ShipBatch {
  const parts: Buffer[] = [OPEN];
  for (const json of records) {
    let element: Buffer | null = json;
    if (json.includes(ESCAPE)) {
      try {
        element = Buffer.from(JSON.stringify(JSON.parse(json.toString('utf8')), storable), 'utf8');
      } catch {
        element = null;
      }
    }
    if (!element) continue;
    if (parts.length > 1) parts.push(COMMA);
    parts.push(element);
  }
  parts.push(CLOSE);
  return { json: Buffer.concat(parts), records: covered };
}
