import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, probeLatency, summarize } from './latency-probe';

describe(percentile.name, () => {
  it('takes the nearest rank', () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe(summarize.name, () => {
  it('sorts before it ranks and rounds to whole microseconds', () => {
    expect(summarize([300.4, 100.6, 200.2], 1)).toEqual({
      count: 3,
      failures: 1,
      p50Us: 200,
      p90Us: 300,
      p99Us: 300,
    });
  });
});

describe(probeLatency.name, () => {
  let server: Server;
  let url: string;
  let delayMs = 0;
  let status = 200;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () =>
        setTimeout(() => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end('{}');
        }, delayMs),
      );
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/process`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    connections = 0;
  });

  it('times each answer on one kept-alive connection', async () => {
    delayMs = 5;
    status = 200;
    const summary = await probeLatency(url, '{}', 0.3);
    expect(summary.failures).toBe(0);
    expect(summary.count).toBeGreaterThan(5);
    // Each answer waits its 5 ms timer, and one request at a time means at most 0.3 s / 5 ms of them.
    expect(summary.p50Us).toBeGreaterThanOrEqual(4_500);
    expect(summary.count).toBeLessThanOrEqual(61);
    expect(connections).toBe(1);
  });

  it('counts answers that are not 2xx as failures, not as latencies', async () => {
    delayMs = 1;
    status = 503;
    const summary = await probeLatency(url, '{}', 0.1);
    expect(summary.count).toBe(0);
    expect(summary.failures).toBeGreaterThan(0);
    expect(summary.p50Us).toBeNaN();
  });
});
