import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePort, waitFor } from '@ml-system/test-support';
import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const SECRET = 'the parrot whispers a secret phrase 7f3a';

/** The JSON lines a process printed (stdout and stderr interleaved; other text skipped). */
function jsonLines(logs: string): Record<string, unknown>[] {
  return logs.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** `name{labels} value` lines of a Prometheus exposition, for exact assertions. */
function series(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('logs, traces and metrics across the TCP hop, end to end', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  beforeAll(async () => {
    predictor = await startPredictor({}, { LOG_LEVEL: 'info' });
    gateway = await startGateway([predictor.tcpPort], { LOG_LEVEL: 'info' });
  });

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  it('says "ready" only once the input log is open, after it listens', async () => {
    const messages = await waitFor('the gateway to log that it is ready', () => {
      const all = jsonLines(gateway.process.logs).map((line) => String(line['msg']));
      return all.some((msg) => msg.startsWith('ready: ')) ? all : undefined;
    });
    const listening = messages.findIndex((msg) => msg.startsWith('listening: '));
    const open = messages.findIndex((msg) => msg.startsWith('input log open at '));
    const ready = messages.findIndex((msg) => msg.startsWith('ready: '));
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(open).toBeGreaterThan(-1);
    expect(ready).toBeGreaterThan(open);
    expect(ready).toBeGreaterThan(listening);
  });

  it('finds one request on both services by its request id and trace id, without its text', async () => {
    const response = await postJson(
      `${gateway.url}/process`,
      { data: SECRET, forward_to_model: true },
      { 'x-request-id': 'e2e-trace-1', traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01` },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('e2e-trace-1');

    const predictorLine = await waitFor('the predictor to log the message', () =>
      jsonLines(predictor.process.logs).find((line) => line['request_id'] === 'e2e-trace-1'),
    );
    expect(predictorLine).toMatchObject({
      service: 'predictor',
      level: 'info',
      trace_id: TRACE_ID,
      pattern: 'predictor.predict.v1',
      outcome: 'ok',
      latency_ms: expect.any(Number),
    });

    const gatewayLine = await waitFor('the gateway to log the request', () =>
      jsonLines(gateway.process.logs).find(
        (line) => line['request_id'] === 'e2e-trace-1' && line['msg'] === 'request completed',
      ),
    );
    expect(gatewayLine).toMatchObject({
      service: 'gateway',
      trace_id: TRACE_ID,
      route: '/process',
      method: 'POST',
      status: 200,
      outcome: 'predicted',
      latency_ms: expect.any(Number),
    });
    // Three spans, one trace: the gateway's server span, its client attempt, the predictor's server span.
    expect(new Set([CLIENT_SPAN_ID, gatewayLine['span_id'], predictorLine['span_id']]).size).toBe(
      3,
    );
    expect(gateway.process.logs).not.toContain('secret phrase');
    expect(predictor.process.logs).not.toContain('secret phrase');
  });

  it('starts a trace when the client sends none, and still carries it across', async () => {
    const response = await postJson(
      `${gateway.url}/process`,
      { data: 'a hamster' },
      { 'x-request-id': 'e2e-trace-2' },
    );
    expect(response.status).toBe(200);
    const gatewayLine = await waitFor('the gateway line', () =>
      jsonLines(gateway.process.logs).find(
        (line) => line['request_id'] === 'e2e-trace-2' && line['route'],
      ),
    );
    const predictorLine = await waitFor('the predictor line', () =>
      jsonLines(predictor.process.logs).find((line) => line['request_id'] === 'e2e-trace-2'),
    );
    expect(gatewayLine['trace_id']).toMatch(/^[\da-f]{32}$/);
    expect(predictorLine['trace_id']).toBe(gatewayLine['trace_id']);
  });

  it('exposes the metric names and labels on both /metrics after traffic', async () => {
    await postJson(`${gateway.url}/process`, { data: 'x', forward_to_model: false });
    await postJson(`${gateway.url}/process`, { data: 5 });
    await postJson(`${predictor.httpUrl}/predict`, { input: 'a goldfish' });

    const gatewayMetrics = await fetch(`${gateway.url}/metrics`);
    expect(gatewayMetrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const g = await gatewayMetrics.text();
    expect(series(g, 'http_request_duration_seconds_count')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^http_request_duration_seconds_count\{method="POST",route="\/process",status_code="200"\} \d+$/,
        ),
        'http_request_duration_seconds_count{method="POST",route="/process",status_code="400"} 1',
      ]),
    );
    expect(series(g, 'predictor_rpc_duration_seconds_count')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^predictor_rpc_duration_seconds_count\\{endpoint="127\\.0\\.0\\.1:${predictor.tcpPort}",pattern="predictor\\.predict\\.v1",outcome="ok"\\} \\d+$`,
          ),
        ),
      ]),
    );
    expect(series(g, 'predictor_rpc_in_flight')).toEqual([
      `predictor_rpc_in_flight{endpoint="127.0.0.1:${predictor.tcpPort}"} 0`,
    ]);
    for (const name of [
      'predictor_rpc_retries_total',
      'predictor_breaker_state',
      'input_log_fsync_duration_seconds',
      'input_log_records_total',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(g).toContain(`# TYPE ${name} `);
    }

    const p = await (await fetch(`${predictor.httpUrl}/metrics`)).text();
    expect(series(p, 'predictions_total').length).toBeGreaterThan(0);
    expect(
      series(p, 'predictions_total').every((line) =>
        /^predictions_total\{class="(cat|dog|bird|fish|rabbit)"\} \d+$/.test(line),
      ),
    ).toBe(true);
    expect(p).toMatch(/^model_inference_duration_seconds_count \d+$/m);
    expect(series(p, 'rpc_server_duration_seconds_count')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^rpc_server_duration_seconds_count\{pattern="predictor\.predict\.v1",outcome="ok"\} \d+$/,
        ),
      ]),
    );
    expect(p).toContain(
      'http_request_duration_seconds_count{method="POST",route="/predict",status_code="200"} 1',
    );
  });

  it('serves the checked-in OpenAPI documents at /docs-json', async () => {
    const root = join(__dirname, '..', '..', '..');
    for (const [url, file] of [
      [gateway.url, 'apps/gateway/openapi.json'],
      [predictor.httpUrl, 'apps/predictor/openapi.json'],
    ] as const) {
      const served = await getJson(`${url}/docs-json`);
      expect(served.status).toBe(200);
      expect(served.body).toEqual(JSON.parse(readFileSync(join(root, file), 'utf8')));
    }
  });
});

describe('trace export over OTLP/HTTP, end to end', () => {
  let collector: Server;
  let collectorUrl: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        bodies.push(
          `${request.url} ${(request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')}`,
        );
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(port, '127.0.0.1', resolve));
    collectorUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
  });

  it('exports the spans of both services, in one trace, when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl };
    const predictor = await startPredictor({}, env);
    const gateway = await startGateway([predictor.tcpPort], env);
    const traceId = 'a0b1c2d3e4f5061728394a5b6c7d8e9f';
    const response = await postJson(
      `${gateway.url}/process`,
      { data: 'a tortoise' },
      { traceparent: `00-${traceId}-${CLIENT_SPAN_ID}-01` },
    );
    expect(response.status).toBe(200);
    // Stopping flushes the batch processors.
    expect(await gateway.process.stop()).toBe(0);
    expect(await predictor.process.stop()).toBe(0);
    const traces = bodies.filter(
      (body) => body.startsWith('/v1/traces ') && body.includes(traceId),
    );
    expect(
      traces.some((body) => body.includes('"gateway"') && body.includes('predictor.predict.v1')),
    ).toBe(true);
    expect(traces.some((body) => body.includes('"predictor"'))).toBe(true);
  });
});
