import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ml-system/test-support';
import type { RunningPredictor } from '../bootstrap';
import { ModelRegistry } from '../model/model-registry';
import { startTestPredictor } from '../testing/predictor-test-app';
import {
  TEST_REPOSITORY,
  TINY_SENTIMENT_OPTIMUM,
  TINY_SENTIMENT_TRANSFORMERS_JS,
} from '../testing/test-models';

// Version swaps in a live repository, through the real predictor over real
// HTTP, with real onnxruntime workers: polling picks up added and removed
// version folders, Triton's repository API loads and unloads models.

interface Load {
  statuses: Map<number, number>;
  versions: Set<string>;
  stop(): Promise<void>;
}

describe('model repository swaps (real HTTP, real onnxruntime)', () => {
  let root: string;
  let registry: ModelRegistry;
  let predictor: RunningPredictor;

  /** Copies a folder in beside the repository, then renames it into place: a version appears whole. */
  const addVersion = (from: string, model: string, version: string, corrupt = false): void => {
    const staging = join(root, `.staging-${model}-${version}`);
    cpSync(from, staging, { recursive: true });
    if (corrupt) writeFileSync(join(staging, 'model.onnx'), 'not an onnx graph');
    renameSync(staging, join(root, model, version));
  };

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${predictor.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** `connections` loops of `/predict` (no model named) until stopped, every answer counted. */
  const load = (connections: number): Load => {
    const statuses = new Map<number, number>();
    const versions = new Set<string>();
    let running = true;
    const loops = Array.from({ length: connections }, async (_, i) => {
      while (running) {
        const response = await post('/predict', { input: `I love this great film ${i}` });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { prediction?: { model: { version: string } } };
        if (body.prediction) versions.add(body.prediction.model.version);
      }
    });
    return {
      statuses,
      versions,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  };

  const index = async () =>
    (await (await post('/v2/repository/index', {})).json()) as {
      name: string;
      version: string;
      state: string;
      reason: string;
    }[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'model-repository-'));
    cpSync(TINY_SENTIMENT_OPTIMUM, join(root, 'tiny-sentiment', '1'), { recursive: true });
    cpSync(join(TEST_REPOSITORY, 'tensor-demo'), join(root, 'tensor-demo'), { recursive: true });
    registry = await ModelRegistry.open({ root, defaultModel: 'tiny-sentiment' });
    registry.startPolling(50);
    predictor = await startTestPredictor(registry);
  });

  afterAll(async () => {
    await predictor?.app.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('swaps versions under load with no failed request, and keeps serving when a new version is corrupt', async () => {
    const traffic = load(8);
    try {
      await waitFor('answers from version 1', () => traffic.versions.has('1'));

      addVersion(TINY_SENTIMENT_TRANSFORMERS_JS, 'tiny-sentiment', '2');
      await waitFor('answers from version 2', () => traffic.versions.has('2'));

      rmSync(join(root, 'tiny-sentiment', '1'), { recursive: true });
      await waitFor('version 1 unloaded', async () =>
        (await index()).every((e) => e.name !== 'tiny-sentiment' || e.version !== '1'),
      );

      addVersion(TINY_SENTIMENT_TRANSFORMERS_JS, 'tiny-sentiment', '3', true);
      const corrupt = await waitFor('version 3 refused', async () =>
        (await index()).find((e) => e.version === '3' && e.state === 'UNAVAILABLE'),
      );
      expect(corrupt.reason.length).toBeGreaterThan(0);
      const served = await post('/predict', { input: 'awful' });
      expect(
        ((await served.json()) as { prediction: { model: unknown } }).prediction.model,
      ).toEqual({ name: 'tiny-sentiment', version: '2' });
    } finally {
      await traffic.stop();
    }
    const answered = [...traffic.statuses.values()].reduce((a, b) => a + b, 0);
    expect(traffic.statuses).toEqual(new Map([[200, answered]]));
    expect(answered).toBeGreaterThan(50);
  }, 60_000);

  it("unloads and loads a model through Triton's repository API", async () => {
    expect((await post('/v2/repository/models/tensor-demo/unload', {})).status).toBe(200);
    expect((await fetch(`${predictor.httpUrl}/v2/models/tensor-demo/ready`)).status).toBe(503);
    expect((await index()).find((e) => e.name === 'tensor-demo')).toMatchObject({
      state: 'UNAVAILABLE',
      reason: 'unloaded',
    });
    const refused = await post('/v2/models/tensor-demo/infer', {
      inputs: [{ name: 'k', datatype: 'INT32', shape: [1], data: [1] }],
    });
    expect(refused.status).toBe(503);

    expect((await post('/v2/repository/models/tensor-demo/load', {})).status).toBe(200);
    expect((await fetch(`${predictor.httpUrl}/v2/models/tensor-demo/ready`)).status).toBe(200);
    expect((await post('/v2/repository/models/nope/load', {})).status).toBe(404);
    expect((await post('/v2/repository/models/nope/unload', {})).status).toBe(404);
  });

  it('keeps RSS bounded over 20 unload/load swaps (a worker per version, ended on unload)', async () => {
    const swap = async () => {
      await registry.unload('tensor-demo');
      await registry.load('tensor-demo');
    };
    await swap();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 20; i++) await swap();
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    if (process.env['REPORT_RSS']) {
      process.stdout.write(`RSS growth over 20 swaps: ${grownMb.toFixed(1)} MiB\n`);
    }
    expect(grownMb).toBeLessThan(100);
  }, 120_000);
});
