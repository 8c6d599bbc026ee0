import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';

export const TRACEPARENT_HEADER = 'traceparent';

/**
 * W3C Trace Context, level 1, section 3.2: `version-traceid-parentid-flags`,
 * lower-case hex. A future version may append fields after the flags, so only
 * version `00` is held to exactly four fields; `ff` is never valid.
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}(?:-.*)?$/;
const ALL_ZERO = /^0+$/;
/** Length of a version-00 header: version, trace id, parent id, flags and three dashes. */
const VERSION_00_LENGTH = 55;
const CHAR_0 = 0x30;
const CHAR_F = 0x66;

/** The value of a lower-case hex digit's char code. */
function hexValue(code: number): number {
  return code <= 0x39 ? code - CHAR_0 : code - 0x61 + 10;
}

/**
 * The remote span context of a `traceparent` header, or undefined when the
 * header is absent or invalid (the spec says to start a new trace then,
 * never to fail the request). Checked by one regular expression without
 * captures, then read by position: no match array or field strings for the
 * version and flags, on every request and every hop.
 */
export function parseTraceparent(header: unknown): SpanContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const text = header.trim();
  if (!TRACEPARENT.test(text)) return undefined;
  const version0 = text.charCodeAt(0);
  const version1 = text.charCodeAt(1);
  if (version0 === CHAR_F && version1 === CHAR_F) return undefined;
  if (version0 === CHAR_0 && version1 === CHAR_0 && text.length !== VERSION_00_LENGTH)
    return undefined;
  const traceId = text.slice(3, 35);
  const spanId = text.slice(36, 52);
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return {
    traceId,
    spanId,
    // Only the sampled bit (the low bit of the flags' second digit) is defined; the others are
    // ignored, as the spec asks.
    traceFlags: hexValue(text.charCodeAt(54)) & TraceFlags.SAMPLED,
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
