import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ml-system/test-support';
import { okSince, recordFigure, runLoad } from './support/load';
import type { Sample } from './support/load';
import { getJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

/** Predictions a predictor has served, from its own /metrics. */
async function predictionsServed(predictor: PredictorHandle): Promise<number> {
  const text = await (await fetch(`${predictor.httpUrl}/metrics`)).text();
  return [...text.matchAll(/^predictions_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

async function poolAddresses(gateway: GatewayHandle): Promise<string[]> {
  const body = (await getJson(`${gateway.url}/health`)).body as {
    details: { predictor: { endpoints: { address: string; status: string }[] } };
  };
  return body.details.predictor.endpoints.map((e) => e.address).sort();
}

/**
 * Scale-out with real processes: one gateway in front of three predictors,
 * driven by PREDICTOR_ENDPOINTS_FILE (re-read every resolve interval, as a
 * mounted ConfigMap or a discovery agent would update it). Under load a fourth
 * predictor is added and one is removed, then stopped once it left the pool.
 */
describe('scale-out under load, end to end', () => {
  const predictors: PredictorHandle[] = [];
  let gateway: GatewayHandle;
  const file = join(mkdtempSync(join(tmpdir(), 'scale-out-')), 'endpoints');
  // Replaced whole (write, then rename), as a ConfigMap update is: the gateway never reads half a list.
  const list = (members: PredictorHandle[]): void => {
    writeFileSync(`${file}.next`, members.map((p) => `127.0.0.1:${p.tcpPort}`).join('\n') + '\n');
    renameSync(`${file}.next`, file);
  };

  afterAll(async () => {
    await gateway?.process.stop();
    await Promise.all(predictors.map((p) => p.process.stop()));
  });

  it('adds a fourth predictor and removes one with no failed request, and every live one serves', async () => {
    for (let i = 0; i < 3; i++) predictors.push(await startPredictor());
    const [first, second, third] = predictors as [
      PredictorHandle,
      PredictorHandle,
      PredictorHandle,
    ];
    list([first, second, third]);
    gateway = await startGateway([], {
      PREDICTOR_ENDPOINTS_FILE: file,
      PREDICTOR_RESOLVE_INTERVAL_MS: '200',
      RATE_LIMIT_MAX: '0',
    });

    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const samples: Sample[] = [];
    const load = runLoad(`${gateway.url}/process`, {
      workers: 8,
      maxMs: 20_000,
      until: finished,
      samples,
    });

    await waitFor('steady traffic through three predictors', () => okSince(samples, 0) >= 200);
    const fourth = await startPredictor();
    predictors.push(fourth);
    list([first, second, third, fourth]);
    await waitFor('the fourth predictor to join the pool', async () =>
      (await poolAddresses(gateway)).includes(`127.0.0.1:${fourth.tcpPort}`),
    );
    await waitFor(
      'the fourth predictor to serve',
      async () => (await predictionsServed(fourth)) > 0,
    );

    list([second, third, fourth]);
    await waitFor(
      'the first predictor to leave the pool',
      async () => !(await poolAddresses(gateway)).includes(`127.0.0.1:${first.tcpPort}`),
    );
    const servedByFirst = await predictionsServed(first);
    await first.process.stop();
    const afterRemoval = await Promise.all([second, third, fourth].map(predictionsServed));
    await waitFor('every live predictor to serve after the removal', async () => {
      const now = await Promise.all([second, third, fourth].map(predictionsServed));
      return now.every((count, i) => count > (afterRemoval[i] ?? 0));
    });
    done();
    const report = await load;

    const served = await Promise.all([second, third, fourth].map(predictionsServed));
    recordFigure('scale-out', { statuses: report.statuses, servedByFirst, served });
    expect(report.total).toBeGreaterThan(100);
    expect(report.statuses).toEqual({ '200': report.total });
    expect(servedByFirst).toBeGreaterThan(0);
    // Every live predictor kept taking traffic after the removal, the new one included.
    served.forEach((count, i) => expect(count).toBeGreaterThan(afterRemoval[i] ?? 0));
  }, 60_000);
});
