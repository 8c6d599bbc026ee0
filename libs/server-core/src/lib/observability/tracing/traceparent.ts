import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';

export const TRACEPARENT_HEADER = 'traceparent';

/**
 * W3C Trace Context, level 1, section 3.2: `version-traceid-parentid-flags`,
 * lower-case hex. A future version may append fields after the flags, so only
 * version `00` is held to exactly four fields; `ff` is never valid.
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/**
 * The remote span context of a `traceparent` header, or undefined when the
 * header is absent or invalid (the spec says to start a new trace then,
 * never to fail the request).
 */
export function parseTraceparent(header: unknown): SpanContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId = '', spanId = '', flags = '', rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return {
    traceId,
    spanId,
    // Only the sampled bit is defined; the others are ignored, as the spec asks.
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** The version-00 `traceparent` of a span context: what goes downstream. */
export function formatTraceparent(
  context: Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'>,
): string {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}
