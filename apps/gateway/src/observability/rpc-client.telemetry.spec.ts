import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { Registry } from 'prom-client';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import { Tracing, parseTraceparent } from '@ml-system/server-core';
import { GatewayMetrics } from './gateway.metrics';
import { RpcClientTelemetry } from './rpc-client.telemetry';

describe(RpcClientTelemetry.name, () => {
  let tracing: Tracing;
  let registry: Registry;
  let telemetry: RpcClientTelemetry;

  beforeEach(async () => {
    tracing = await Tracing.create({ service: 'spec', version: '0' });
    registry = new Registry();
    telemetry = new RpcClientTelemetry(tracing, new GatewayMetrics(registry));
  });

  afterEach(async () => {
    await tracing.shutdown();
  });

  it("sends a traceparent that is a child of the request's, with a span id of its own", () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const attempt = telemetry.start(PREDICTOR_PATTERNS.predict, 'a:1', parent);
    const sent = parseTraceparent(attempt.traceparent);
    expect(sent?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(sent?.spanId).not.toBe('00f067aa0ba902b7');
    attempt.end('ok');
  });

  it('starts a trace for a call made outside any request (health checks)', () => {
    const attempt = telemetry.start(PREDICTOR_PATTERNS.health, 'a:1', undefined);
    expect(parseTraceparent(attempt.traceparent)).toBeDefined();
    attempt.end('ok');
  });

  it('tracks in-flight attempts per endpoint and records each attempt once', async () => {
    const first = telemetry.start(PREDICTOR_PATTERNS.predict, 'a:1', undefined);
    const second = telemetry.start(PREDICTOR_PATTERNS.predict, 'a:1', undefined);
    expect(await registry.metrics()).toContain('predictor_rpc_in_flight{endpoint="a:1"} 2');
    first.end('ok');
    second.end('UNAVAILABLE');
    second.end('UNAVAILABLE');
    const text = await registry.metrics();
    expect(text).toContain('predictor_rpc_in_flight{endpoint="a:1"} 0');
    expect(text).toContain(
      'predictor_rpc_duration_seconds_count{endpoint="a:1",pattern="predictor.predict.v1",outcome="ok"} 1',
    );
    expect(text).toContain(
      'predictor_rpc_duration_seconds_count{endpoint="a:1",pattern="predictor.predict.v1",outcome="UNAVAILABLE"} 1',
    );
  });
});

describe(`${RpcClientTelemetry.name} with spans exported`, () => {
  it('gives each attempt a client span with the RPC attributes and its outcome', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await Tracing.create({ service: 'spec', version: '0', exporter });
    try {
      const telemetry = new RpcClientTelemetry(tracing, new GatewayMetrics(new Registry()));
      telemetry.start(PREDICTOR_PATTERNS.predict, 'a:1', undefined).end('ok');
      expect(exporter.getFinishedSpans()).toEqual([
        expect.objectContaining({
          name: PREDICTOR_PATTERNS.predict,
          kind: SpanKind.CLIENT,
          attributes: {
            'rpc.system': 'nestjs_tcp',
            'rpc.method': PREDICTOR_PATTERNS.predict,
            'server.address': 'a:1',
            'rpc.outcome': 'ok',
          },
        }),
      ]);
    } finally {
      await tracing.shutdown();
    }
  });
});
