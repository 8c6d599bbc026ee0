import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { miniBert, startOnnxFloor, stopAll } from './systems';
import type { OnnxBenchModel, System } from './systems';

// Making the model (tools/models/make_bench_model.py) takes a few seconds the first time.
jest.setTimeout(120_000);

afterAll(() => stopAll());

/**
 * The bench's realistic text classifier, made by its script and served by the
 * ONNX floor (onnxruntime-node in a process of its own: under jest's module
 * realm the binding refuses the test's typed arrays).
 */
describe('the mini-bert bench model', () => {
  let model: OnnxBenchModel;
  let floor: System;

  beforeAll(async () => {
    model = miniBert();
    floor = await startOnnxFloor(model);
  });

  async function probabilities(texts: string[]): Promise<number[][]> {
    const response = await fetch(`${floor.url}${floor.inferPath ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [texts.length], data: texts }],
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: Array<{ name: string; data: number[] }> };
    const data = body.outputs.find((o) => o.name === 'probabilities')?.data ?? [];
    return texts.map((_, r) => data.slice(r * 3, r * 3 + 3));
  }

  it('is written in the layout optimum exports, with a graph of BERT-mini size', () => {
    const folder = join(model.repository, model.name, model.version);
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx'])
      expect(existsSync(join(folder, file))).toBe(true);
  });

  it('answers a text padded inside a batch as it answers the text alone', async () => {
    const [alone] = await probabilities(['good movie']);
    // The longer text first: "good movie" is padded to its length in the same session run.
    const [longer, padded] = await probabilities(['it was the worst film', 'good movie']);
    expect(alone?.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    padded?.forEach((p, i) => expect(p).toBeCloseTo(alone?.[i] ?? NaN, 5));
    // Another text gets other probabilities: the equality above says something.
    expect(longer?.[0]).not.toBeCloseTo(alone?.[0] ?? NaN, 5);
  });
});
