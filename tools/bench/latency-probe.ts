import { Agent, request } from 'node:http';

export interface LatencySummary {
  /** Requests answered with a 2xx. */
  count: number;
  /** Requests answered otherwise, or not at all. */
  failures: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
}

/** Nearest-rank percentile (0 < p ≤ 100) of ascending values; NaN when there are none. */
export function percentile(ascending: readonly number[], p: number): number {
  if (ascending.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * ascending.length);
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Percentiles of the latencies, in microseconds rounded to whole ones. */
export function summarize(latenciesUs: readonly number[], failures: number): LatencySummary {
  const ascending = [...latenciesUs].sort((a, b) => a - b);
  const at = (p: number): number => Math.round(percentile(ascending, p));
  return { count: ascending.length, failures, p50Us: at(50), p90Us: at(90), p99Us: at(99) };
}

function post(
  agent: Agent,
  url: URL,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * One connection, one request at a time, for `seconds`: each request's time
 * from send to the last byte of its answer, by the monotonic clock. autocannon
 * keeps whole milliseconds, and both systems answer a lone request in well
 * under one, so its p50 of "0 ms" against "0 ms" says nothing; this does.
 * The client's own time is in both systems' figures alike.
 */
export async function probeLatency(
  url: string,
  body: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<LatencySummary> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const latenciesUs: number[] = [];
  let failures = 0;
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until) {
      const started = process.hrtime.bigint();
      try {
        const status = await post(agent, target, body, headers);
        const elapsedUs = Number(process.hrtime.bigint() - started) / 1000;
        if (status >= 200 && status < 300) latenciesUs.push(elapsedUs);
        else failures++;
      } catch {
        failures++;
      }
    }
  } finally {
    agent.destroy();
  }
  return summarize(latenciesUs, failures);
}
