/**
 * The shape of the one line per HTTP request and per RPC message. Built by
 * plain functions so that a spec can pin the fields: these are what operators
 * search on, and what must never grow an input text.
 */

export type LineLevel = 'debug' | 'info' | 'warn';

export interface RequestLogInput {
  requestId: string;
  traceId: string;
  spanId: string;
  method: string;
  /** The route pattern (`/process`), never the raw URL: bounded and free of query strings. */
  route: string;
  status: number;
  latencyMs: number;
  /** `logged`, `predicted`, `ok`, or the problem code of an error (`PREDICTOR_UNAVAILABLE`). */
  outcome: string;
}

export interface RequestLogLine {
  request_id: string;
  trace_id: string;
  span_id: string;
  method: string;
  route: string;
  status: number;
  latency_ms: number;
  outcome: string;
}

export interface RpcLogInput {
  requestId: string;
  traceId: string;
  spanId: string;
  pattern: string;
  latencyMs: number;
  /** `ok` or the predictor error code sent back (`DEADLINE_EXCEEDED`). */
  outcome: string;
}

export interface RpcLogLine {
  request_id: string;
  trace_id: string;
  span_id: string;
  pattern: string;
  latency_ms: number;
  outcome: string;
}

/** Microsecond resolution is plenty, and keeps lines short. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function requestLogLine(input: RequestLogInput): RequestLogLine {
  return {
    request_id: input.requestId,
    trace_id: input.traceId,
    span_id: input.spanId,
    method: input.method,
    route: input.route,
    status: input.status,
    latency_ms: roundMs(input.latencyMs),
    outcome: input.outcome,
  };
}

/**
 * 5xx is `warn`: the server could not serve (a dependency down, a deadline);
 * a bug is logged at `error` with its stack by the exception filter.
 * Probes and scrapes (`quiet`) that succeed go to `debug`, so they do not
 * drown the traffic lines.
 */
export function requestLogLevel(status: number, quiet: boolean): LineLevel {
  if (status >= 500) return 'warn';
  return quiet && status < 400 ? 'debug' : 'info';
}

export function rpcLogLine(input: RpcLogInput): RpcLogLine {
  return {
    request_id: input.requestId,
    trace_id: input.traceId,
    span_id: input.spanId,
    pattern: input.pattern,
    latency_ms: roundMs(input.latencyMs),
    outcome: input.outcome,
  };
}

/** Failed messages are `warn`; successful health pings are `debug`, like HTTP probes. */
export function rpcLogLevel(outcome: string, quiet: boolean): LineLevel {
  if (outcome !== 'ok') return 'warn';
  return quiet ? 'debug' : 'info';
}
