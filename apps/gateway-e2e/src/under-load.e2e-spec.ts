import { setTimeout as sleep } from 'node:timers/promises';
import { recordFigure, runLoad } from './support/load';
import type { LoadReport } from './support/load';
import { getJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

/**
 * Faults injected while 16 clients keep POSTing /process (closed loop, each
 * waiting for its answer): what the clients see is the contract.
 */
const WORKERS = 16;
const BREAKER_OPEN_MS = 2_000;
const GATEWAY_ENV = {
  BREAKER_OPEN_MS: String(BREAKER_OPEN_MS),
  // These runs are about the predictors failing; one load generator at full speed from one
  // address would otherwise meet the per-client limit (6,000 a minute) and see 429s.
  RATE_LIMIT_MAX: '10000000',
};

function describeRun(name: string, report: LoadReport): void {
  recordFigure(`${name}: statuses`, report.statuses);
  if (Object.keys(report.codes).length > 0) recordFigure(`${name}: error codes`, report.codes);
}

/** All or none: when one fails to start, the others are stopped before the error is thrown. */
async function startPredictors(count: number): Promise<PredictorHandle[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startPredictor()));
  const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(up.map((p) => p.process.stop()));
    throw failed.reason;
  }
  return up;
}

async function stopAll(
  gateway: GatewayHandle | undefined,
  predictors: PredictorHandle[],
): Promise<void> {
  await gateway?.process.stop();
  await Promise.all(predictors.map((p) => p.process.stop()));
}

describe('a predictor restarting under load', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle | undefined;

  beforeAll(async () => {
    predictor = await startPredictor();
    gateway = await startGateway([predictor.tcpPort], GATEWAY_ENV);
  });

  afterAll(async () => {
    await stopAll(gateway, [predictor]);
  });

  it('answers only 200 or 503 (never a client-side error or a 500) and recovers on its own', async () => {
    const url = `${gateway?.url ?? ''}/process`;
    let readyAt = 0;
    const restart = (async () => {
      await sleep(1_000);
      await predictor.process.stop();
      predictor = await startPredictor({
        tcpPort: predictor.tcpPort,
        httpPort: Number(new URL(predictor.httpUrl).port),
      });
      readyAt = Date.now();
      // Long enough for an open breaker to let its probe through, and then some traffic.
      await sleep(BREAKER_OPEN_MS + 1_000);
    })();
    const report = await runLoad(url, { workers: WORKERS, until: restart, maxMs: 25_000 });
    await restart;
    describeRun('restart under load', report);

    expect(Object.keys(report.statuses).sort()).toEqual(['200', '503']);
    const firstAfter = report.samples
      .filter((s) => s.at >= readyAt && s.status === 200)
      .sort((a, b) => a.at - b.at)[0];
    expect(firstAfter).toBeDefined();
    const recovery = (firstAfter?.at ?? Infinity) + (firstAfter?.ms ?? 0) - readyAt;
    recordFigure('restart under load: first 200 after ready (ms)', recovery);
    expect(recovery).toBeLessThan(BREAKER_OPEN_MS + 1_000);
    const tail = report.samples.filter((s) => s.at >= readyAt + BREAKER_OPEN_MS + 200);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.every((s) => s.status === 200)).toBe(true);
  });
});

describe('one of three predictors killed under load', () => {
  let predictors: PredictorHandle[] = [];
  let gateway: GatewayHandle | undefined;

  beforeAll(async () => {
    predictors = await startPredictors(3);
    gateway = await startGateway(
      predictors.map((p) => p.tcpPort),
      GATEWAY_ENV,
    );
  });

  afterAll(async () => {
    await stopAll(gateway, predictors);
  });

  it('answers every request 200: calls the dead one got are retried on the others', async () => {
    const victim = predictors[1];
    const fault = (async () => {
      await sleep(1_000);
      await victim.process.kill();
      // Past BREAKER_OPEN_MS, so the dead endpoint's half-open probe fails and is retried too.
      await sleep(BREAKER_OPEN_MS + 1_000);
    })();
    const report = await runLoad(`${gateway?.url ?? ''}/process`, {
      workers: WORKERS,
      until: fault,
      maxMs: 20_000,
    });
    describeRun('one of three killed under load', report);
    expect(report.total).toBeGreaterThan(100);
    expect(report.statuses).toEqual({ '200': report.total });

    const health = await getJson(`${gateway?.url ?? ''}/health`);
    const endpoints = (
      health.body as {
        details: { predictor: { endpoints: Array<{ address: string; status: string }> } };
      }
    ).details.predictor.endpoints;
    expect(health.body).toMatchObject({ status: 'healthy' });
    expect(endpoints.map((e) => e.status)).toEqual(['up', 'down', 'up']);
    expect(endpoints[1]?.address).toBe(`127.0.0.1:${victim.tcpPort}`);
  });
});

describe('one of three predictors frozen under load', () => {
  let predictors: PredictorHandle[] = [];
  let gateway: GatewayHandle | undefined;

  beforeAll(async () => {
    predictors = await startPredictors(3);
    gateway = await startGateway(
      predictors.map((p) => p.tcpPort),
      GATEWAY_ENV,
    );
  });

  afterAll(async () => {
    await stopAll(gateway, predictors);
  });

  it('answers at least 99% of requests 200 while it hangs (timeouts retried elsewhere, then its breaker opens)', async () => {
    const frozen = predictors[2];
    const fault = (async () => {
      await sleep(1_000);
      frozen.process.signal('SIGSTOP');
      // Covers the first timeouts, the breaker opening and one failed half-open probe.
      await sleep(BREAKER_OPEN_MS + 1_500);
      frozen.process.signal('SIGCONT');
    })();
    const report = await runLoad(`${gateway?.url ?? ''}/process`, {
      workers: WORKERS,
      until: fault,
      maxMs: 20_000,
    });
    describeRun('one of three frozen under load', report);
    const ok = report.statuses['200'] ?? 0;
    recordFigure(
      'one of three frozen under load: non-200 share',
      (report.total - ok) / report.total,
    );
    recordFigure(
      'one of three frozen under load: slowest 200 (ms)',
      Math.max(...report.samples.filter((s) => s.status === 200).map((s) => s.ms)),
    );
    expect(report.total).toBeGreaterThan(100);
    expect(report.statuses['0']).toBeUndefined();
    expect((report.total - ok) / report.total).toBeLessThanOrEqual(0.01);
  });
});
