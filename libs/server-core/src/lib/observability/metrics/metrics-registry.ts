import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Seconds. Finer than prom-client's defaults at the low end, where a gateway
 * hop and an in-process model live; still up to the 10 s a stuck call can take.
 */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * One registry per app instance, not prom-client's global one: specs build
 * several apps in one process, and a global registry refuses a second metric
 * of the same name. Carries prom-client's default process metrics
 * (`process_*`, `nodejs_*`), which are computed at scrape time.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export type HttpDurationLabels = 'method' | 'route' | 'status_code';

/** `http_request_duration_seconds{method, route, status_code}`, on both apps. */
export function httpRequestDuration(registry: Registry): Histogram<HttpDurationLabels> {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests served, by route pattern, method and status code; latency in seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
}
