import { connect } from 'node:net';
import { nestFrame, nestFrameReader } from '@ml-system/test-support';

/**
 * A client of our predictor's TCP face in the fewest lines: Nest's framing
 * (`<characters>#<json>`), one persistent socket, replies matched by id. For
 * the durable ONNX floor, so that it reaches the same predictor as ours
 * without a ClientProxy (whose cost is not the floor's to carry).
 */
export function connectNestTcpBackend(port: number): {
  close(): void;
  send(pattern: string, data: unknown): Promise<unknown>;
} {
  const pending = new Map<string, { resolve(value: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  socket.on(
    'data',
    nestFrameReader((json) => {
      const reply = JSON.parse(json) as { id: string; response?: unknown; err?: unknown };
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.err !== undefined && reply.err !== null)
        waiting?.reject(new Error(JSON.stringify(reply.err)));
      else waiting?.resolve(reply.response);
    }),
  );
  return {
    close: () => socket.destroy(),
    send(pattern: string, data: unknown): Promise<unknown> {
      const id = String(nextId++);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.write(nestFrame({ pattern, data, id }));
      });
    },
  };
}
