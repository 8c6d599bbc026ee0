import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { encodeFrame, frameReader } from './frames';

/**
 * Baseline front end: node:http, JSON in and out, one persistent node:net
 * socket to the raw predictor with replies matched by id. No validation
 * beyond a type check, no log, no metrics, no resilience: the floor.
 */
const port = Number(process.env['PORT']);
const backendPort = Number(process.env['BACKEND_PORT']);
const pending = new Map<number, { response: ServerResponse; requestId: string }>();
let nextId = 0;

const backend = connect(backendPort, '127.0.0.1');
backend.setNoDelay(true);
backend.on(
  'data',
  frameReader((value) => {
    const { id, ...prediction } = value as { id: number };
    const waiting = pending.get(id);
    if (!waiting) return;
    pending.delete(id);
    send(waiting.response, 200, {
      status: 'Input logged successfully',
      model_prediction: prediction,
      request_id: waiting.requestId,
    });
  }),
);

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: { data?: unknown; forward_to_model?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      send(response, 400, { detail: 'invalid JSON' });
      return;
    }
    if (typeof body.data !== 'string') {
      send(response, 400, { detail: 'data must be a string' });
      return;
    }
    const requestId = randomUUID();
    if (body.forward_to_model === false) {
      send(response, 200, { status: 'Input logged successfully', request_id: requestId });
      return;
    }
    const id = nextId++;
    pending.set(id, { response, requestId });
    backend.write(encodeFrame({ id, input: body.data }));
  });
}).listen(port, '127.0.0.1', () => process.stdout.write(`raw gateway on ${port}\n`));
