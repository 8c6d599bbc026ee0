import { randomUUID } from 'node:crypto';
import { fastify } from 'fastify';
import { LOGGED, connectRawBackend } from './raw-backend';
import { SyncedLines } from './synced-lines';

/**
 * Framework floor 3: the Fastify floor plus the one feature the contract makes
 * compulsory, the input on disk before the answer: each input appended as a
 * JSON line to LOG_FILE with a synced group commit (SyncedLines), overlapped
 * with the predictor's round trip as ours overlaps them. It says what any
 * durable gateway on Fastify costs at least, before validation, log lines,
 * metrics, auth, limits or resilience.
 */
const backend = connectRawBackend(Number(process.env['BACKEND_PORT']));
const app = fastify({ logger: false });

async function start(): Promise<void> {
  const logFile = process.env['LOG_FILE'] ?? '';
  const log = await SyncedLines.open(logFile);
  app.post('/process', async (request, reply) => {
    const { data, forward_to_model: forward } = (request.body ?? {}) as {
      data?: unknown;
      forward_to_model?: unknown;
    };
    if (typeof data !== 'string') return reply.code(400).send({ detail: 'data must be a string' });
    const requestId = randomUUID();
    const durable = log.append(`${JSON.stringify({ id: requestId, data })}\n`);
    if (forward === false) {
      await durable;
      return { status: LOGGED, request_id: requestId };
    }
    const [, prediction] = await Promise.all([durable, backend.predict(data)]);
    return { status: LOGGED, model_prediction: prediction, request_id: requestId };
  });
  await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' });
  process.stdout.write(`durable floor on ${process.env['PORT']}, inputs to ${logFile}\n`);
}

start().catch((error: unknown) => {
  process.stderr.write(`durable floor failed: ${String(error)}\n`);
  process.exit(1);
});
