import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Ids a client may choose: short, printable, safe to echo in headers and logs. */
const ACCEPTABLE_ID = /^[\w.:@-]{1,128}$/;

/**
 * The id of a request: the client's `x-request-id` when it is sane, else a new
 * UUID. A hostile header (CR/LF, kilobytes) is replaced, never echoed.
 */
export function requestIdFor(request: Pick<IncomingMessage, 'headers'>): string {
  const offered = request.headers[REQUEST_ID_HEADER];
  return typeof offered === 'string' && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
}
