import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  RandomIdGenerator,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { formatTraceparent, parseTraceparent } from './traceparent';

export interface TracingOptions {
  service: string;
  version: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (base URL; `/v1/traces` is appended). Unset: spans are made, not exported. */
  otlpEndpoint?: string | undefined;
  /** Specs: record into this exporter, synchronously, instead. */
  exporter?: SpanExporter;
}

let globallyRegistered = false;

/**
 * The app's tracer: a real SDK provider, so that trace and span ids are real
 * (random, unique) even when nothing is exported, plus an OTLP/HTTP exporter
 * behind a batch processor only when an endpoint is configured.
 *
 * Parents are passed explicitly (from a `traceparent` string) rather than
 * through a global context manager: the ids cross the process boundary as
 * text anyway, and explicit parents keep the HTTP path free of async-context
 * bookkeeping. No auto-instrumentation: three spans per request, made here.
 *
 * When nothing exports, a recorded span would be built only to be dropped:
 * spans are then non-recording, with ids from the SDK's generator and the
 * caller's sampled flag passed on untouched (about 0.4 µs instead of 3.5 µs
 * a span, measured; the gateway makes two per request).
 */
export class Tracing {
  private readonly ids = new RandomIdGenerator();

  private constructor(
    private readonly provider: TracerProvider,
    private readonly tracer: Tracer,
    /** True when spans leave the process. */
    readonly exporting: boolean,
  ) {}

  static async create(options: TracingOptions): Promise<Tracing> {
    const processors: SpanProcessor[] = [];
    if (options.exporter) {
      processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
    } else if (options.otlpEndpoint) {
      // Loaded only when asked for: the exporter pulls in the OTLP serialisers.
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
      processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
    }
    const provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': options.service,
        'service.version': options.version,
      }),
      spanProcessors: processors,
    });
    // The first app of a process also serves `trace.getTracer()` callers; specs
    // that build several apps in one process keep one provider per app.
    if (!globallyRegistered) globallyRegistered = trace.setGlobalTracerProvider(provider);
    return new Tracing(
      provider,
      provider.getTracer(options.service, options.version),
      processors.length > 0,
    );
  }

  /** A span for work received from outside, child of `traceparent` when it is valid, else a new trace. */
  startServerSpan(name: string, traceparent: unknown, attributes?: Attributes): Span {
    return this.start(name, SpanKind.SERVER, traceparent, attributes);
  }

  /** A span for a call to another service, child of `traceparent` (the caller's span). */
  startClientSpan(name: string, traceparent: string | undefined, attributes?: Attributes): Span {
    return this.start(name, SpanKind.CLIENT, traceparent, attributes);
  }

  /** Sends what is buffered and stops exporting. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  private start(
    name: string,
    kind: SpanKind,
    traceparent: unknown,
    attributes: Attributes | undefined,
  ): Span {
    const parent = parseTraceparent(traceparent);
    if (!this.exporting) {
      return trace.wrapSpanContext({
        traceId: parent?.traceId ?? this.ids.generateTraceId(),
        spanId: this.ids.generateSpanId(),
        traceFlags: parent ? parent.traceFlags : TraceFlags.SAMPLED,
      });
    }
    const context = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    return this.tracer.startSpan(name, attributes ? { kind, attributes } : { kind }, context);
  }
}

/** The `traceparent` to send downstream so that the receiver's span is a child of `span`. */
export function traceparentOf(span: Span): string {
  return formatTraceparent(span.spanContext());
}
