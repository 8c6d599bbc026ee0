import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** Bounds of a lingering close, NGINX's `lingering_time` and a byte cap of our own. */
export interface LingeringCloseOptions {
  /** The longest a connection is kept reading after its answer was sent. */
  timeMs: number;
  /** The most bytes read and thrown away after the answer; beyond them the connection is cut. */
  maxBytes: number;
}

export const DEFAULT_LINGERING_CLOSE: Readonly<LingeringCloseOptions> = {
  timeMs: 5_000,
  maxBytes: 64 * 1024 * 1024,
};

/**
 * Keeps reading a socket after its final answer, as NGINX's lingering close
 * does.
 *
 * When a server answers before the request body has arrived (413 over the body
 * limit, 415, 401 for an unknown media type or key) and then closes, the client
 * may still be sending. Data that reaches a closed socket makes the kernel
 * answer with a reset, and a reset makes the client's kernel throw away what it
 * had received but not yet read: the answer. Node's `fetch` posting 10 MB saw
 * EPIPE instead of the 413 in most tries.
 *
 * Node's HTTP server closes a `Connection: close` socket with `destroySoon()`
 * once the answer is written. Here that becomes: send FIN (the client reads
 * the answer, then end of stream), keep reading and discarding what the client
 * still sends, and destroy the socket when the client closes its side, or after
 * `timeMs`, or after `maxBytes`, whichever comes first.
 */
export function lingerOnClose(socket: Socket, options: LingeringCloseOptions): void {
  if (socket.destroyed) return;
  socket.destroySoon = function lingeringDestroySoon(this: Socket): void {
    let read = 0;
    const stop = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(stop, options.timeMs);
    timer.unref();
    socket.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > options.maxBytes) stop();
    });
    socket.once('end', stop);
    socket.once('close', () => clearTimeout(timer));
    socket.end();
    socket.resume();
  };
}

/**
 * A request that declares a body the parser has not finished. (A request
 * without a body can be answered before Node marks it complete, in the same
 * parser turn, so `complete` alone would close healthy keep-alive
 * connections.)
 */
function bodyStillArriving(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const length = request.headers['content-length'];
  return (
    (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
  );
}

/**
 * Answers sent before the request body has fully arrived close their
 * connection (the rest of the body is not worth parsing) with a lingering
 * close, so the client reads the answer instead of a reset.
 */
export function installLingeringClose(
  fastify: FastifyInstance,
  options: LingeringCloseOptions = DEFAULT_LINGERING_CLOSE,
): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (bodyStillArriving(request.raw)) {
      void reply.header('connection', 'close');
      lingerOnClose(request.raw.socket, options);
    }
    done(null, payload);
  });
}
