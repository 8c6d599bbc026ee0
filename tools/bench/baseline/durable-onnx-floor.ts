// The contracts' DTOs carry class-validator decorators, which need the metadata API loaded first.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { fastify } from 'fastify';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import { connectNestTcpBackend } from './nest-tcp-backend';
import { SyncedLines } from './synced-lines';

/**
 * The durable floor in front of our own predictor: Fastify, each infer body
 * appended as a synced JSON line (SyncedLines, group commit) while the
 * predictor's TCP face runs it, answered once both are done. What any
 * gateway that keeps the contract (the input durable before the answer, the
 * model in a process of its own) costs at least on the ONNX path, before
 * validation, auth, limits, metrics, log lines or resilience: the step between
 * the predictor alone and ours.
 */
const backend = connectNestTcpBackend(Number(process.env['BACKEND_PORT']));
const app = fastify({ logger: false, bodyLimit: 64 * 1024 });
const LONG_DEADLINE_MS = 60_000;

async function start(): Promise<void> {
  const logFile = process.env['LOG_FILE'] ?? '';
  const log = await SyncedLines.open(logFile);
  app.post<{ Params: { name: string; version: string } }>(
    '/v2/models/:name/versions/:version/infer',
    async (request) => {
      const requestId = randomUUID();
      const durable = log.append(`${JSON.stringify({ id: requestId, data: request.body })}\n`);
      const { name: model, version } = request.params;
      const [, answer] = await Promise.all([
        durable,
        backend.send(PREDICTOR_PATTERNS.infer, {
          payload: { model, version, request: request.body },
          meta: { request_id: requestId, deadline: Date.now() + LONG_DEADLINE_MS },
        }),
      ]);
      return answer;
    },
  );
  await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' });
  process.stdout.write(`durable onnx floor on ${process.env['PORT']}, inputs to ${logFile}\n`);
}

start().catch((error: unknown) => {
  process.stderr.write(`durable onnx floor failed: ${String(error)}\n`);
  process.exit(1);
});
