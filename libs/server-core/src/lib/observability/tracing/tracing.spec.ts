import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { TRACEPARENT_PATTERN } from '@ml-system/contracts';
import { parseTraceparent } from './traceparent';
import { Tracing, traceparentOf } from './tracing';

const INCOMING = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe(`${Tracing.name} without an exporter`, () => {
  let tracing: Tracing;

  beforeAll(async () => {
    tracing = await Tracing.create({ service: 'spec', version: '0.0.0' });
  });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('exports nothing', () => {
    expect(tracing.exporting).toBe(false);
  });

  it('starts a new sampled trace with real ids when no valid traceparent came in', () => {
    const a = tracing.startServerSpan('GET /', undefined);
    const b = tracing.startServerSpan('GET /', 'garbage');
    for (const span of [a, b]) {
      expect(traceparentOf(span)).toMatch(TRACEPARENT_PATTERN);
      expect(span.spanContext().traceId).not.toMatch(/^0+$/);
      expect(span.spanContext().spanId).not.toMatch(/^0+$/);
      expect(traceparentOf(span).endsWith('-01')).toBe(true);
    }
    expect(a.spanContext().traceId).not.toBe(b.spanContext().traceId);
  });

  it('continues the caller trace: same trace id, new span id, at every hop', () => {
    const server = tracing.startServerSpan('POST /process', INCOMING);
    expect(server.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(server.spanContext().spanId).not.toBe('00f067aa0ba902b7');
    const client = tracing.startClientSpan('predictor.predict.v1', traceparentOf(server));
    expect(client.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parseTraceparent(traceparentOf(client))?.spanId).toBe(client.spanContext().spanId);
    expect(client.spanContext().spanId).not.toBe(server.spanContext().spanId);
  });

  it("passes an unsampled caller's flag on, still with real ids", () => {
    const span = tracing.startServerSpan(
      'x',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    );
    expect(traceparentOf(span)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[\da-f]{16}-00$/);
  });
});

describe(`${Tracing.name} with an exporter`, () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;

  beforeAll(async () => {
    tracing = await Tracing.create({ service: 'spec', version: '0.0.0', exporter });
  });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('records server and client spans, each a child of the one before', () => {
    const server = tracing.startServerSpan('POST /process', INCOMING, { 'http.route': '/process' });
    const client = tracing.startClientSpan('predictor.predict.v1', traceparentOf(server));
    client.setStatus({ code: SpanStatusCode.ERROR });
    client.end();
    server.end();
    const [clientSpan, serverSpan] = exporter.getFinishedSpans();
    expect(serverSpan).toMatchObject({
      name: 'POST /process',
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/process' },
      parentSpanContext: { spanId: '00f067aa0ba902b7' },
    });
    expect(clientSpan).toMatchObject({
      kind: SpanKind.CLIENT,
      status: { code: SpanStatusCode.ERROR },
      parentSpanContext: { spanId: server.spanContext().spanId },
    });
    expect(serverSpan?.resource.attributes['service.name']).toBe('spec');
  });
});
