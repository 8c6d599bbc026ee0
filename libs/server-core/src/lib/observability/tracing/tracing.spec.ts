import { SpanKind } from '@opentelemetry/api';
import { TRACEPARENT_PATTERN } from '@ml-system/contracts';
import { parseTraceparent } from './traceparent';
import { Tracing, traceparentOf } from './tracing';

describe(Tracing.name, () => {
  let tracing: Tracing;

  beforeAll(async () => {
    tracing = await Tracing.create({ service: 'spec', version: '0.0.0' });
  });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('exports nothing unless an endpoint is configured', () => {
    expect(tracing.exporting).toBe(false);
  });

  it('starts a new sampled trace with real ids when no valid traceparent came in', () => {
    const a = tracing.startServerSpan('GET /', undefined);
    const b = tracing.startServerSpan('GET /', 'garbage');
    for (const span of [a, b]) {
      expect(traceparentOf(span)).toMatch(TRACEPARENT_PATTERN);
      expect(span.spanContext().traceId).not.toMatch(/^0+$/);
      expect(traceparentOf(span).endsWith('-01')).toBe(true);
    }
    expect(a.spanContext().traceId).not.toBe(b.spanContext().traceId);
  });

  it('continues the caller trace: same trace id, new span id', () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const server = tracing.startServerSpan('POST /process', incoming);
    expect(server.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(server.spanContext().spanId).not.toBe('00f067aa0ba902b7');
    const client = tracing.startClientSpan('predictor.predict.v1', traceparentOf(server));
    expect(client.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parseTraceparent(traceparentOf(client))?.spanId).toBe(client.spanContext().spanId);
    expect((client as unknown as { kind: SpanKind }).kind).toBe(SpanKind.CLIENT);
  });

  it('keeps an unsampled caller unsampled, still with real ids', () => {
    const span = tracing.startServerSpan(
      'x',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    );
    expect(traceparentOf(span)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[\da-f]{16}-00$/);
  });
});
