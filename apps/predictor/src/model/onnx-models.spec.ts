import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import {
  BUSY,
  TEST_REPOSITORY,
  TENSOR_DEMO,
  TINY_SENTIMENT_OPTIMUM,
  TINY_SENTIMENT_TRANSFORMERS_JS,
  directRun,
  referenceProbabilities,
} from '../testing/test-models';
import { HfTextClassifierModel } from './huggingface/hf-text-classifier.model';
import { ModelRegistry } from './model-registry';
import { OnnxTensorModel } from './onnx/onnx-tensor.model';
import { OnnxRunError, WorkerSession } from './onnx/worker-session';
import { checkInferInputs } from './tensors';

// Real ONNX Runtime sessions, in real worker threads, on the model files
// tools/models/make_test_models.py wrote.

/** The code of what `run` throws. */
function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'nothing thrown';
}

const TEXTS = [
  'I love this movie, it was great',
  'the food was terrible and the film boring',
  'it is a film',
  'EXCELLENT!!! best fun ever',
  'unknownword zzz',
];

describe('Hugging Face text classifiers (real onnxruntime, worker threads)', () => {
  const layouts = [
    ['optimum (model.onnx at the root, token_type_ids)', TINY_SENTIMENT_OPTIMUM, 'model.onnx'],
    ['transformers.js (onnx/model.onnx)', TINY_SENTIMENT_TRANSFORMERS_JS, 'onnx/model.onnx'],
  ] as const;

  describe.each(layouts)('the %s layout', (_layout, folder, graph) => {
    let model: HfTextClassifierModel;

    beforeAll(async () => {
      model = await HfTextClassifierModel.load('tiny-sentiment', '1', folder);
    });

    afterAll(() => model.close());

    it('loads with the labels of id2label, in id order', () => {
      expect(model.classes).toEqual(['NEGATIVE', 'NEUTRAL', 'POSITIVE']);
      expect(model.inputs).toEqual([{ name: 'text', datatype: 'BYTES', shape: [-1] }]);
    });

    it('answers as the reference pipeline (tokenize, run, softmax) on each text', async () => {
      const reference = await referenceProbabilities(folder, graph, TEXTS);
      // All at once: one padded run, so padding must not change an answer.
      const served = await model.predict(TEXTS);
      served.forEach((output, i) => {
        const best = reference[i].indexOf(Math.max(...reference[i]));
        expect(output.label).toBe(model.classes[best]);
        expect(output.confidence).toBeCloseTo(reference[i][best], 5);
      });
      const [probabilities] = await model.infer(
        checkInferInputs(model.inputs, [
          { name: 'text', datatype: 'BYTES', shape: [TEXTS.length], data: TEXTS },
        ]),
        ['probabilities'],
      );
      expect(probabilities.dims).toEqual([TEXTS.length, 3]);
      Array.from(probabilities.data as Float32Array).forEach((p, k) =>
        expect(p).toBeCloseTo(reference[Math.floor(k / 3)][k % 3], 5),
      );
    });

    it('tells the sentiments apart (the weights are not noise)', async () => {
      const [good, bad] = await model.predict(['great fun, I love it', 'awful, I hate it']);
      expect(good.label).toBe('POSITIVE');
      expect(bad.label).toBe('NEGATIVE');
    });

    it('truncates to model_max_length (16 tokens): what lies beyond never counts', async () => {
      // [CLS] + 14 tokens + [SEP] = 16: the 15th word on is cut.
      const head = Array.from({ length: 14 }, () => 'good').join(' ');
      const [cut] = await model.predict([`${head} ${'awful '.repeat(200)}`]);
      const [alone] = await model.predict([head]);
      expect(cut).toEqual(alone);
    });
  });
});

describe('plain ONNX models (real onnxruntime, worker threads)', () => {
  let model: OnnxTensorModel;

  beforeAll(async () => {
    model = await OnnxTensorModel.load('tensor-demo', '1', TENSOR_DEMO);
  });

  afterAll(() => model.close());

  it("describes the graph's own inputs and outputs in OIP datatypes", () => {
    expect(model.inputs).toEqual([
      { name: 'x', datatype: 'FP32', shape: [-1, 3] },
      { name: 'k', datatype: 'INT32', shape: [-1] },
    ]);
    expect(model.outputs).toEqual([
      { name: 'y', datatype: 'FP32', shape: [-1, 3] },
      { name: 'n', datatype: 'INT64', shape: [-1] },
      { name: 'positive', datatype: 'BOOL', shape: [-1, 3] },
    ]);
  });

  it("returns onnxruntime's own outputs for the same tensors", async () => {
    const x = [0.5, -1.25, 3, 1e-3, -7, 2.5];
    const k = [41, -3];
    const served = await model.infer(
      checkInferInputs(model.inputs, [
        { name: 'x', datatype: 'FP32', shape: [2, 3], data: x },
        { name: 'k', datatype: 'INT32', shape: [2], data: k },
      ]),
    );
    const direct = await directRun(TENSOR_DEMO, {
      x: new OrtTensor('float32', Float32Array.from(x), [2, 3]),
      k: new OrtTensor('int32', Int32Array.from(k), [2]),
    });
    expect(served.map((t) => t.name)).toEqual(['y', 'n', 'positive']);
    for (const tensor of served) {
      expect(tensor.dims).toEqual([...direct[tensor.name].dims]);
      expect(tensor.type).toBe(direct[tensor.name].type);
      expect(Array.from(tensor.data as Float32Array)).toEqual(
        Array.from(direct[tensor.name].data as Float32Array),
      );
    }
  });

  it('returns only the outputs asked for', async () => {
    const served = await model.infer(
      checkInferInputs(model.inputs, [
        { name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        { name: 'k', datatype: 'INT32', shape: [1], data: [1] },
      ]),
      ['n'],
    );
    expect(served).toEqual([
      { name: 'n', type: 'int64', dims: [1], data: BigInt64Array.from([2n]) },
    ]);
  });

  it('refuses a full queue at once with OVERLOADED, and serves again once it drains', async () => {
    const session = await WorkerSession.open(BUSY, { maxQueue: 2 });
    try {
      const run = () =>
        session.run(
          [
            { name: 'x', type: 'float32', dims: [1], data: Float32Array.from([1e-3]) },
            { name: 'size', type: 'int64', dims: [2], data: BigInt64Array.from([300n, 300n]) },
          ],
          ['total'],
        );
      const accepted = [run(), run()];
      await expect(run()).rejects.toMatchObject({ code: 'OVERLOADED' });
      await Promise.all(accepted);
      await expect(run()).resolves.toHaveLength(1);
    } finally {
      await session.close();
    }
  });
});

describe(ModelRegistry.name, () => {
  let registry: ModelRegistry;

  beforeAll(async () => {
    registry = await ModelRegistry.open({ root: TEST_REPOSITORY, defaultModel: 'tiny-sentiment' });
  });

  afterAll(() => registry.onApplicationShutdown());

  it('loads every version of every model, READY', () => {
    expect(registry.index()).toEqual([
      { name: 'busy', version: '1', state: 'READY', reason: '' },
      { name: 'tensor-demo', version: '1', state: 'READY', reason: '' },
      { name: 'tiny-sentiment', version: '1', state: 'READY', reason: '' },
      { name: 'tiny-sentiment', version: '2', state: 'READY', reason: '' },
    ]);
  });

  it('serves the latest version unless a request names one; the version is the folder name', () => {
    expect(registry.resolve().version).toBe('2');
    expect(registry.resolve('tiny-sentiment', '1').version).toBe('1');
    expect(registry.resolve('tensor-demo').name).toBe('tensor-demo');
  });

  it('refuses an unknown model or version with MODEL_NOT_FOUND', () => {
    expect(codeOf(() => registry.resolve('nope'))).toBe('MODEL_NOT_FOUND');
    expect(codeOf(() => registry.resolve('tiny-sentiment', '3'))).toBe('MODEL_NOT_FOUND');
  });

  describe('a repository with a corrupt version', () => {
    let root: string;
    let broken: ModelRegistry;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'models-'));
      cpSync(join(TEST_REPOSITORY, 'tensor-demo'), join(root, 'tensor-demo'), { recursive: true });
      cpSync(join(root, 'tensor-demo', '1'), join(root, 'tensor-demo', '2'), { recursive: true });
      writeFileSync(join(root, 'tensor-demo', '2', 'model.onnx'), 'not a model');
      broken = await ModelRegistry.open({ root });
    });

    afterAll(async () => {
      await broken.onApplicationShutdown();
      rmSync(root, { recursive: true, force: true });
    });

    it('shows it UNAVAILABLE with the reason, and keeps serving the version that loads', () => {
      const [one, two] = broken.index();
      expect(one).toEqual({ name: 'tensor-demo', version: '1', state: 'READY', reason: '' });
      expect(two).toMatchObject({ version: '2', state: 'UNAVAILABLE' });
      expect(two.reason.length).toBeGreaterThan(0);
      expect(broken.resolve().version).toBe('1');
      expect(codeOf(() => broken.resolve('tensor-demo', '2'))).toBe('MODEL_NOT_READY');
    });
  });

  it('refuses to start when several models and no DEFAULT_MODEL', async () => {
    await expect(ModelRegistry.open({ root: TEST_REPOSITORY })).rejects.toThrow(
      /set DEFAULT_MODEL/,
    );
  });
});

describe('dynamic batching of a text classifier (real onnxruntime, worker threads)', () => {
  const rows: number[] = [];
  let model: HfTextClassifierModel;
  const texts = Array.from(
    { length: 20 },
    (_, i) =>
      `${['I love it', 'awful food', 'the film', 'great fun and nice'][i % 4]} ${'very '.repeat(i % 5)}`,
  );

  beforeAll(async () => {
    model = await HfTextClassifierModel.load('tiny-sentiment', '1', TINY_SENTIMENT_OPTIMUM, {
      maxBatchSize: 8,
      maxQueueDelayMs: 20,
      observe: (_run, _queue, n) => rows.push(n),
    });
  });

  afterAll(() => model.close());

  it('answers concurrent requests in shared runs, exactly as one at a time', async () => {
    const alone: Awaited<ReturnType<HfTextClassifierModel['predict']>>[] = [];
    for (const text of texts) alone.push(await model.predict([text]));
    rows.length = 0;
    const together = await Promise.all(texts.map((text) => model.predict([text])));
    together.forEach(([output], i) => {
      expect(output.label).toBe(alone[i][0].label);
      expect(output.confidence).toBeCloseTo(alone[i][0].confidence, 6);
    });
    expect(rows.reduce((a, b) => a + b, 0)).toBe(texts.length);
    expect(Math.max(...rows)).toBe(8);
    expect(rows.length).toBeLessThan(texts.length);
  });

  it('drops a request past its deadline before the run, not after', async () => {
    rows.length = 0;
    await expect(model.predict(['good'], Date.now() - 1)).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    await expect(model.predict(['good'], Date.now() + 5_000)).resolves.toHaveLength(1);
    expect(rows).toEqual([1]);
  });
});

describe('dynamic batching of a plain ONNX model (real onnxruntime, worker threads)', () => {
  const rows: number[] = [];
  let model: OnnxTensorModel;

  /** Request i: 1 to 3 rows of x and k, values that differ from request to request. */
  function request(i: number, outputs?: string[]) {
    const n = (i % 3) + 1;
    return {
      inputs: checkInferInputs(model.inputs, [
        {
          name: 'x',
          datatype: 'FP32',
          shape: [n, 3],
          data: Array.from({ length: n * 3 }, (_, j) => (i * 7 + j) * 0.25 - 4),
        },
        {
          name: 'k',
          datatype: 'INT32',
          shape: [n],
          data: Array.from({ length: n }, (_, j) => i * 10 - j),
        },
      ]),
      outputs,
    };
  }

  beforeAll(async () => {
    model = await OnnxTensorModel.load('tensor-demo', '1', TENSOR_DEMO, {
      maxBatchSize: 8,
      maxQueueDelayMs: 20,
      observe: (_run, _queue, n) => rows.push(n),
    });
  });

  afterAll(() => model.close());

  it('answers concurrent requests in shared runs, exactly as one at a time', async () => {
    // Every fourth request asks for one output only: it batches with its own kind, not the others.
    const outputsOf = (i: number) => (i % 4 === 3 ? ['n'] : undefined);
    const alone = [];
    for (let i = 0; i < 16; i++) {
      const { inputs, outputs } = request(i, outputsOf(i));
      alone.push(await model.infer(inputs, outputs));
    }
    rows.length = 0;
    const together = await Promise.all(
      Array.from({ length: 16 }, (_, i) => {
        const { inputs, outputs } = request(i, outputsOf(i));
        return model.infer(inputs, outputs);
      }),
    );
    expect(together).toEqual(alone);
    const totalRows = Array.from({ length: 16 }, (_, i) => (i % 3) + 1).reduce((a, b) => a + b);
    expect(rows.reduce((a, b) => a + b, 0)).toBe(totalRows);
    expect(Math.max(...rows)).toBeGreaterThan(3);
    expect(Math.max(...rows)).toBeLessThanOrEqual(8);
    expect(rows.length).toBeLessThan(16);
  });

  it('runs alone a request whose inputs disagree on the first dimension, with the right answer', async () => {
    const x = [1, 2, 3, 4, 5, 6];
    const k = [9];
    const inputs = () =>
      checkInferInputs(model.inputs, [
        { name: 'x', datatype: 'FP32', shape: [2, 3], data: x },
        { name: 'k', datatype: 'INT32', shape: [1], data: k },
      ]);
    const direct = await directRun(TENSOR_DEMO, {
      x: new OrtTensor('float32', Float32Array.from(x), [2, 3]),
      k: new OrtTensor('int32', Int32Array.from(k), [1]),
    });
    rows.length = 0;
    const [odd, ...others] = await Promise.all([
      model.infer(inputs(), ['y', 'n']),
      model.infer(request(1).inputs, ['y', 'n']),
      model.infer(request(2).inputs, ['y', 'n']),
    ]);
    expect(odd.map((t) => [t.dims, Array.from(t.data as Float32Array)])).toEqual(
      ['y', 'n'].map((name) => [
        [...direct[name].dims],
        Array.from(direct[name].data as Float32Array),
      ]),
    );
    expect(others.map((o) => o[0].dims[0])).toEqual([2, 3]);
    // The odd one ran alone (2 rows by its first input), the other two together.
    expect([...rows].sort()).toEqual([2, 5]);
  });

  it('drops a request past its deadline before the run, not after', async () => {
    rows.length = 0;
    const late = request(0);
    await expect(model.infer(late.inputs, undefined, Date.now() - 1)).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    const onTime = request(1);
    await expect(model.infer(onTime.inputs, undefined, Date.now() + 5_000)).resolves.toHaveLength(
      3,
    );
    expect(rows).toEqual([2]);
  });

  it('refuses at once with OVERLOADED when its queue is full', async () => {
    const small = await OnnxTensorModel.load('tensor-demo', '1', TENSOR_DEMO, {
      maxBatchSize: 2,
      maxQueue: 4,
    });
    try {
      // The first (3 rows, more than a batch) runs at once, in this turn; the next three rows
      // wait behind it, and three more do not fit.
      const accepted = [request(2), request(2)].map(({ inputs }) => small.infer(inputs));
      await expect(small.infer(request(2).inputs)).rejects.toMatchObject({ code: 'OVERLOADED' });
      await expect(Promise.all(accepted)).resolves.toHaveLength(2);
    } finally {
      await small.close();
    }
  });

  it('fails alone a request that makes onnxruntime refuse the batched run', async () => {
    // The classifier graph served as a plain model: a token id past the vocabulary fails its Gather.
    const counted: number[] = [];
    const graph = await OnnxTensorModel.load(
      'tiny-sentiment',
      '1',
      join(TINY_SENTIMENT_OPTIMUM, 'model.onnx'),
      { maxBatchSize: 8, maxQueueDelayMs: 20, observe: (_run, _queue, n) => counted.push(n) },
    );
    const feed = (ids: number[]) =>
      checkInferInputs(graph.inputs, [
        { name: 'input_ids', datatype: 'INT64', shape: [1, ids.length], data: ids },
        {
          name: 'attention_mask',
          datatype: 'INT64',
          shape: [1, ids.length],
          data: ids.map(() => 1),
        },
        {
          name: 'token_type_ids',
          datatype: 'INT64',
          shape: [1, ids.length],
          data: ids.map(() => 0),
        },
      ]);
    const good = [
      [2, 5, 3],
      [2, 14, 3],
      [2, 20, 3],
    ];
    try {
      const alone = [];
      for (const ids of good) alone.push(await graph.infer(feed(ids)));
      counted.length = 0;
      await expect(Promise.all(good.map((ids) => graph.infer(feed(ids))))).resolves.toEqual(alone);
      expect(counted).toEqual([3]);
      counted.length = 0;
      const settled = await Promise.allSettled(
        [good[0], [2, 999, 3], good[1], good[2]].map((ids) => graph.infer(feed(ids))),
      );
      expect(settled[1]).toMatchObject({ status: 'rejected', reason: expect.any(OnnxRunError) });
      expect([settled[0], settled[2], settled[3]]).toEqual(
        alone.map((value) => ({ status: 'fulfilled', value })),
      );
      // The joint run failed (it is not counted); the three good requests then ran one by one.
      expect(counted).toEqual([1, 1, 1]);
    } finally {
      await graph.close();
    }
  });

  it('does not batch when the settings say max_batch_size 1', async () => {
    const counted: number[] = [];
    const single = await OnnxTensorModel.load('tensor-demo', '1', TENSOR_DEMO, {
      maxBatchSize: 1,
      observe: (_run, _queue, n) => counted.push(n),
    });
    try {
      counted.length = 0;
      await Promise.all([0, 1, 2, 3].map((i) => single.infer(request(i).inputs)));
      expect([...counted].sort()).toEqual([1, 1, 2, 3]);
    } finally {
      await single.close();
    }
  });
});
