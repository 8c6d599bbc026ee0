import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ml-system/test-support';
import { recordFigure, runLoad } from './support/load';
import type { Sample } from './support/load';
import { getJson, postJson, startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

// A model version swapped under load through the whole system: the built
// gateway and predictor as separate processes, 8 closed loops on the gateway's
// OIP infer route (no version named) while a new version folder is added and
// loaded through Triton's repository API, then the old one removed. Then a
// corrupt version arrives and must not disturb the one being served, nor open
// the breaker for everyone when clients ask for it by name.

const REPOSITORY = join(__dirname, '..', '..', '..', 'tools', 'models', 'repository');
/** The same classifier in its two layouts: optimum's (version 1) and transformers.js' (version 2). */
const OPTIMUM = join(REPOSITORY, 'tiny-sentiment', '1');
const TRANSFORMERS_JS = join(REPOSITORY, 'tiny-sentiment', '2');
const MODEL = 'tiny-sentiment';

interface Answered {
  version: string;
}

interface IndexEntry {
  name: string;
  version: string;
  state: string;
  reason: string;
}

describe('model version swap under load through the gateway (real processes)', () => {
  let root: string;
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;

  /** Copies a folder in beside the model, then renames it into place: a version appears whole. */
  const addVersion = (from: string, version: string, corrupt = false): void => {
    const staging = join(root, `.staging-${version}`);
    cpSync(from, staging, { recursive: true });
    if (corrupt) writeFileSync(join(staging, 'onnx', 'model.onnx'), 'not an onnx graph');
    renameSync(staging, join(root, MODEL, version));
  };

  /** Triton's load: new versions load and serve once warmed up, gone ones are unloaded. */
  const load = async (): Promise<number> =>
    (await postJson(`${predictor.httpUrl}/v2/repository/models/${MODEL}/load`, {})).status;

  const index = async (): Promise<IndexEntry[]> =>
    (await postJson(`${predictor.httpUrl}/v2/repository/index`, {}))
      .body as unknown as IndexEntry[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'e2e-model-repository-'));
    cpSync(OPTIMUM, join(root, MODEL, '1'), { recursive: true });
    predictor = await startPredictor(
      {},
      { MODEL_REPOSITORY: root, DEFAULT_MODEL: MODEL, MODEL_REPOSITORY_POLL_MS: '0' },
    );
    gateway = await startGateway([predictor.tcpPort]);
  }, 60_000);

  afterAll(async () => {
    await gateway?.process.stop();
    await predictor?.process.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('switches to the new version with zero failed requests, and keeps serving when a corrupt one arrives', async () => {
    const answered: Answered[] = [];
    const samples: Sample[] = [];
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const traffic = runLoad(`${gateway.url}/v2/models/${MODEL}/infer`, {
      workers: 8,
      maxMs: 45_000,
      until: finished,
      samples,
      bodyOf: (worker) => ({
        inputs: [
          {
            name: 'text',
            datatype: 'BYTES',
            shape: [1],
            data: [`I love this great film ${worker}`],
          },
        ],
      }),
      check: (_worker, answer) => {
        const body = answer as { model_name?: string; model_version?: string; outputs?: unknown[] };
        if (body.model_name !== MODEL || !body.outputs?.length) return false;
        answered.push({ version: String(body.model_version) });
        return true;
      },
    });
    let countAtRemoval = 0;
    try {
      await waitFor('answers from version 1', () => answered.some((a) => a.version === '1'));

      addVersion(TRANSFORMERS_JS, '2');
      expect(await load()).toBe(200);
      await waitFor('answers from version 2', () => answered.some((a) => a.version === '2'));

      rmSync(join(root, MODEL, '1'), { recursive: true });
      expect(await load()).toBe(200);
      countAtRemoval = answered.length;
      await waitFor('version 1 gone from the index', async () =>
        (await index()).every((e) => e.name !== MODEL || e.version !== '1'),
      );
      await waitFor('more answers after the removal', () => answered.length >= countAtRemoval + 40);

      addVersion(TRANSFORMERS_JS, '3', true);
      // The model still has a ready version, so the load succeeds; the corrupt version does not.
      expect(await load()).toBe(200);
      const entries = await index();
      const corrupt = entries.find((e) => e.name === MODEL && e.version === '3');
      expect(corrupt).toMatchObject({ state: 'UNAVAILABLE' });
      expect(corrupt?.reason.length).toBeGreaterThan(0);
      expect(entries.find((e) => e.name === MODEL && e.version === '2')).toMatchObject({
        state: 'READY',
      });
      // Asking for the corrupt version is a 503 for that request alone: more of them than
      // BREAKER_FAILURES must not open the breaker (the load below would fail if they did).
      for (let i = 0; i < 8; i++) {
        const refused = await postJson(`${gateway.url}/v2/models/${MODEL}/versions/3/infer`, {
          inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['fine'] }],
        });
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({ code: 'MODEL_NOT_READY' });
      }
      const named = await postJson(`${gateway.url}/process`, {
        data: 'fine',
        model: MODEL,
        model_version: '3',
      });
      expect(named.status).toBe(503);
      const notReady = await getJson(`${gateway.url}/v2/models/${MODEL}/versions/3/ready`);
      expect(notReady.status).toBe(503);
      expect(notReady.body).toEqual({ name: MODEL, version: '3', ready: false });
      const countAtCorrupt = answered.length;
      await waitFor(
        'answers after the corrupt version',
        () => answered.length >= countAtCorrupt + 40,
      );
    } finally {
      finish();
    }
    const report = await traffic;
    recordFigure('model swap under load through the gateway', {
      requests: report.total,
      statuses: report.statuses,
      versions: [...new Set(answered.map((a) => a.version))],
    });
    // Zero failed requests: every answer a 200 with the model's outputs.
    expect(report.statuses).toEqual({ '200': report.total });
    expect(report.wrong).toBe(0);
    expect(report.total).toBeGreaterThan(100);
    // Answers switched: once version 1 was removed, version 2 answered everything (3 never did).
    // Each of the 8 loops had at most one request in flight when the removal returned; every
    // answer after those was asked for after it.
    const after = answered.slice(countAtRemoval + 8);
    expect(after.length).toBeGreaterThan(40);
    expect(new Set(after.map((a) => a.version))).toEqual(new Set(['2']));
    expect(answered.some((a) => a.version === '3')).toBe(false);
  }, 90_000);
});
