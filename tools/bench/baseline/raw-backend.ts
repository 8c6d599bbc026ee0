import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { encodeFrame, frameReader } from './frames';

/**
 * The raw predictor behind a promise: one persistent socket, replies matched
 * by id. For the framework floors, whose handlers are async; the raw gateway
 * keeps its plain callbacks.
 */
export function connectRawBackend(port: number): {
  close(): void;
  predict(input: string): Promise<unknown>;
} {
  const pending = new Map<number, (prediction: unknown) => void>();
  let nextId = 0;
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on(
    'data',
    frameReader((value) => {
      const { id, ...prediction } = value as { id: number };
      const resolve = pending.get(id);
      pending.delete(id);
      resolve?.(prediction);
    }),
  );
  return {
    close: () => socket.destroy(),
    predict(input: string): Promise<unknown> {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.write(encodeFrame({ id, input }));
      });
    },
  };
}

export const LOGGED = 'Input logged successfully';

export type RawBackend = ReturnType<typeof connectRawBackend>;

/**
 * The raw gateway's answer to a parsed body, for the floors: a type check, a
 * random id and, when asked, the raw predictor's reply. Null for a body the
 * raw gateway refuses (its 400).
 */
export async function floorAnswer(backend: RawBackend, body: unknown): Promise<object | null> {
  const { data, forward_to_model: forward } = (body ?? {}) as {
    data?: unknown;
    forward_to_model?: unknown;
  };
  if (typeof data !== 'string') return null;
  const requestId = randomUUID();
  if (forward === false) return { status: LOGGED, request_id: requestId };
  return { status: LOGGED, model_prediction: await backend.predict(data), request_id: requestId };
}
