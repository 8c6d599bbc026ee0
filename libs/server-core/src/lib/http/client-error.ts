import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemType } from '@ml-system/contracts';
import type { HttpErrorCode, ProblemDetails } from '@ml-system/contracts';

/** What Node's HTTP parser reports, by the `code` of the error it raises. */
function classify(code: string | undefined): [number, HttpErrorCode, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time'];
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [431, 'PAYLOAD_TOO_LARGE', 'The request headers are too large'];
  }
  return [400, 'VALIDATION_FAILED', 'The request is not valid HTTP'];
}

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refuses
 * before any route runs (malformed request line, oversized headers, a request
 * that missed `headersTimeout`/`requestTimeout`) with a problem+json body like
 * every other error, then closes the socket. Fastify's default would send its
 * own JSON shape. Nothing of the parser's message is echoed.
 */
export function problemClientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset peer is gone: there is no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] = classify(error.code);
  const body: ProblemDetails = {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Client Error',
    status,
    detail,
    code,
    request_id: randomUUID(),
  };
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Client Error'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        `x-request-id: ${body.request_id}\r\n` +
        'Connection: close\r\n\r\n' +
        text,
    );
  }
  socket.destroy();
}
