import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createRootLogger } from '../logging/root-logger';
import { Tracing } from '../tracing/tracing';
import {
  installHttpObservability,
  requestTraceparent,
  setRequestOutcome,
} from './http-observability';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe(installHttpObservability.name, () => {
  let fastify: FastifyInstance;
  let tracing: Tracing;
  let registry: Registry;
  let lines: Record<string, unknown>[];
  let seenTraceparent: string | undefined;

  beforeEach(async () => {
    lines = [];
    registry = new Registry();
    tracing = await Tracing.create({ service: 'spec', version: '0' });
    fastify = Fastify();
    installHttpObservability(fastify, {
      logger: createRootLogger({
        service: 'spec',
        level: 'debug',
        pretty: false,
        destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
      }),
      tracing,
      registry,
      quietRoutes: ['/health'],
    });
    fastify.post('/process', async (request) => {
      seenTraceparent = requestTraceparent(request);
      setRequestOutcome(request, 'predicted');
      return { status: 'ok', model_prediction: {} };
    });
    fastify.get('/items/:id', async () => ({ ok: true }));
    fastify.get('/named-then-failed', async (request) => {
      setRequestOutcome(request, 'predicted');
      throw new Error('after the handler named its outcome');
    });
    fastify.get('/health', async () => ({ status: 'ok' }));
    fastify.get('/down', async (_request, reply) =>
      reply.status(503).type('application/problem+json').send({
        type: '/problems/predictor-unavailable',
        status: 503,
        code: 'PREDICTOR_UNAVAILABLE',
      }),
    );
    await fastify.ready();
  });

  afterEach(async () => {
    await fastify.close();
    await tracing.shutdown();
  });

  it('writes one line per request with the ids, the route pattern, the status, the latency and the outcome', async () => {
    await fastify.inject({
      method: 'POST',
      url: '/process?debug=1',
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
      payload: { data: 'the secret input text' },
    });
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        service: 'spec',
        pid: process.pid,
        request_id: expect.any(String),
        trace_id: TRACE,
        span_id: expect.stringMatching(/^[\da-f]{16}$/),
        method: 'POST',
        route: '/process',
        status: 200,
        latency_ms: expect.any(Number),
        outcome: 'predicted',
        msg: 'request completed',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it("hands the handler a traceparent that continues the client's trace from the server span", async () => {
    await fastify.inject({
      method: 'POST',
      url: '/process',
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
      payload: {},
    });
    expect(seenTraceparent).toMatch(new RegExp(`^00-${TRACE}-[\\da-f]{16}-01$`));
    expect(seenTraceparent).toContain(`-${String(lines[0]?.['span_id'])}-`);
  });

  it('starts a trace when none came in, and names 404s `unmatched`', async () => {
    await fastify.inject({ method: 'GET', url: '/nope/123' });
    expect(lines[0]).toMatchObject({
      route: 'unmatched',
      status: 404,
      outcome: 'error',
      trace_id: expect.stringMatching(/^[\da-f]{32}$/),
    });
  });

  it('takes the outcome of an error from its problem code, and logs 5xx at warn', async () => {
    await fastify.inject({ method: 'GET', url: '/down' });
    expect(lines[0]).toMatchObject({
      level: 'warn',
      status: 503,
      outcome: 'PREDICTOR_UNAVAILABLE',
    });
  });

  it('names a success nobody named `ok`, and an error the handler named before failing by the error', async () => {
    await fastify.inject({ method: 'GET', url: '/items/1' });
    await fastify.inject({ method: 'GET', url: '/named-then-failed' });
    expect(lines.map((l) => [l.status, l.outcome])).toEqual([
      [200, 'ok'],
      [500, 'error'],
    ]);
  });

  it('logs successful probes at debug', async () => {
    await fastify.inject({ method: 'GET', url: '/health' });
    expect(lines[0]).toMatchObject({ level: 'debug', route: '/health', outcome: 'ok' });
  });

  it('observes the latency by route pattern, method and status, never by raw URL', async () => {
    await fastify.inject({ method: 'GET', url: '/items/1' });
    await fastify.inject({ method: 'GET', url: '/items/2' });
    const text = await registry.metrics();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"} 2',
    );
    expect(text).not.toContain('/items/1');
  });
});

describe(`${installHttpObservability.name} with spans exported`, () => {
  it('names the server span after the method and route pattern, with their attributes', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await Tracing.create({ service: 'spec', version: '0', exporter });
    const fastify = Fastify();
    installHttpObservability(fastify, {
      logger: createRootLogger({
        service: 'spec',
        level: 'info',
        pretty: false,
        destination: { write: () => undefined },
      }),
      tracing,
      registry: new Registry(),
    });
    fastify.get('/items/:id', async () => ({ ok: true }));
    try {
      await fastify.inject({ method: 'GET', url: '/items/7' });
      expect(exporter.getFinishedSpans()).toEqual([
        expect.objectContaining({
          name: 'GET /items/:id',
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': 'GET',
            'http.route': '/items/:id',
            'http.response.status_code': 200,
          },
        }),
      ]);
    } finally {
      await fastify.close();
      await tracing.shutdown();
    }
  });
});
