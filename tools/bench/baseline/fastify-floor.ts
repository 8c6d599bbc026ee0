import { fastify } from 'fastify';
import { connectRawBackend, floorAnswer } from './raw-backend';

/**
 * Framework floor 1: the raw gateway's logic (a type check, a random id, the
 * raw predictor over one socket) as a plain Fastify route. No validation
 * library, log, metrics, headers or resilience.
 */
const backend = connectRawBackend(Number(process.env['BACKEND_PORT']));
const app = fastify({ logger: false });

app.post('/process', async (request, reply) => {
  const answer = await floorAnswer(backend, request.body);
  return answer ?? reply.code(400).send({ detail: 'data must be a string' });
});

app
  .listen({ port: Number(process.env['PORT']), host: '127.0.0.1' })
  .then(() => process.stdout.write(`fastify floor on ${process.env['PORT']}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`fastify floor failed: ${String(error)}\n`);
    process.exit(1);
  });
