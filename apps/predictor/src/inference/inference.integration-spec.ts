import { Tensor as OrtTensor } from 'onnxruntime-node';
import { MAX_INPUT_CHARS, PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictionResult } from '@ml-system/contracts';
import type { RunningPredictor } from '../bootstrap';
import { ModelRegistry } from '../model/model-registry';
import { MAX_TENSOR_ELEMENTS } from '../model/tensors';
import { rpcClient, startTestPredictor } from '../testing/predictor-test-app';
import type { TestRpcClient } from '../testing/predictor-test-app';
import {
  TENSOR_DEMO,
  TEST_REPOSITORY,
  TINY_SENTIMENT_TRANSFORMERS_JS,
  directRun,
  referenceProbabilities,
} from '../testing/test-models';

// The Open Inference Protocol and the model repository through the real
// predictor: real HTTP and TCP sockets, real onnxruntime sessions in worker
// threads, on the files tools/models/make_test_models.py wrote.

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('model serving over HTTP and TCP (real sockets, real onnxruntime)', () => {
  let predictor: RunningPredictor;
  let client: TestRpcClient;

  const get = async (path: string): Promise<Reply> => {
    const response = await fetch(`${predictor.httpUrl}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body: unknown): Promise<Reply> => {
    const response = await fetch(`${predictor.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const models = await ModelRegistry.open({
      root: TEST_REPOSITORY,
      defaultModel: 'tiny-sentiment',
    });
    predictor = await startTestPredictor(models);
    client = rpcClient(predictor);
  });

  afterAll(async () => {
    client.close();
    await predictor.app.close();
  });

  describe('Open Inference Protocol: health and metadata', () => {
    it('answers server metadata, liveness and readiness', async () => {
      expect(await get('/v2')).toEqual({
        status: 200,
        body: { name: 'ml-system-predictor', version: '1.0.0', extensions: ['model_repository'] },
      });
      expect(await get('/v2/health/live')).toEqual({ status: 200, body: { live: true } });
      expect(await get('/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
    });

    it('describes a text classifier and a plain model', async () => {
      expect(await get('/v2/models/tiny-sentiment')).toEqual({
        status: 200,
        body: {
          name: 'tiny-sentiment',
          versions: ['1', '2'],
          platform: 'onnxruntime_onnx',
          inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
          outputs: [
            { name: 'label', datatype: 'BYTES', shape: [-1] },
            { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
          ],
        },
      });
      const demo = await get('/v2/models/tensor-demo/versions/1');
      expect(demo.status).toBe(200);
      expect(demo.body['inputs']).toEqual([
        { name: 'x', datatype: 'FP32', shape: [-1, 3] },
        { name: 'k', datatype: 'INT32', shape: [-1] },
      ]);
    });

    it('answers readiness per model and per version', async () => {
      expect(await get('/v2/models/tiny-sentiment/ready')).toEqual({
        status: 200,
        body: { name: 'tiny-sentiment', ready: true },
      });
      expect(await get('/v2/models/tiny-sentiment/versions/1/ready')).toEqual({
        status: 200,
        body: { name: 'tiny-sentiment', version: '1', ready: true },
      });
    });

    it.each([
      '/v2/models/nope',
      '/v2/models/nope/ready',
      '/v2/models/tiny-sentiment/versions/9',
      '/v2/models/tiny-sentiment/versions/9/ready',
    ])('answers %s with 404 {"error"}', async (path) => {
      const reply = await get(path);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ error: expect.stringMatching(/model|version/) });
    });

    it("lists the repository's versions and their states (Triton's index)", async () => {
      const reply = await post('/v2/repository/index', {});
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual([
        { name: 'busy', version: '1', state: 'READY', reason: '' },
        { name: 'tensor-demo', version: '1', state: 'READY', reason: '' },
        { name: 'tiny-sentiment', version: '1', state: 'READY', reason: '' },
        { name: 'tiny-sentiment', version: '2', state: 'READY', reason: '' },
      ]);
    });
  });

  describe('Open Inference Protocol: infer', () => {
    it("returns onnxruntime's own outputs for a plain model's tensors", async () => {
      const x = [0.5, -1.25, 3, 1e-3, -7, 2.5];
      const k = [41, -3];
      const reply = await post('/v2/models/tensor-demo/infer', {
        id: 'req-1',
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [2, 3], data: x },
          { name: 'k', datatype: 'INT32', shape: [2], data: k },
        ],
      });
      const direct = await directRun(TENSOR_DEMO, {
        x: new OrtTensor('float32', Float32Array.from(x), [2, 3]),
        k: new OrtTensor('int32', Int32Array.from(k), [2]),
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        model_name: 'tensor-demo',
        model_version: '1',
        id: 'req-1',
        outputs: [
          {
            name: 'y',
            datatype: 'FP32',
            shape: [2, 3],
            data: Array.from(direct['y'].data as Float32Array),
          },
          {
            name: 'n',
            datatype: 'INT64',
            shape: [2],
            data: Array.from(direct['n'].data as BigInt64Array, Number),
          },
          {
            name: 'positive',
            datatype: 'BOOL',
            shape: [2, 3],
            data: Array.from(direct['positive'].data as Uint8Array, Boolean),
          },
        ],
      });
    });

    it('returns only the outputs asked for, and takes nested data row-major', async () => {
      const reply = await post('/v2/models/tensor-demo/versions/1/infer', {
        inputs: [
          {
            name: 'x',
            datatype: 'FP32',
            shape: [2, 3],
            data: [
              [1, 2, 3],
              [-1, 0, 4],
            ],
          },
          { name: 'k', datatype: 'INT32', shape: [2], data: [1, 2] },
        ],
        outputs: [{ name: 'positive' }],
      });
      expect(reply.body['outputs']).toEqual([
        {
          name: 'positive',
          datatype: 'BOOL',
          shape: [2, 3],
          data: [true, true, true, false, false, true],
        },
      ]);
    });

    it('classifies texts as the reference pipeline does (text BYTES in, label and probabilities out)', async () => {
      const texts = ['I love this great film', 'awful boring food', 'it was a movie'];
      const reference = await referenceProbabilities(
        TINY_SENTIMENT_TRANSFORMERS_JS,
        'onnx/model.onnx',
        texts,
      );
      const reply = await post('/v2/models/tiny-sentiment/infer', {
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [3], data: texts }],
      });
      expect(reply.status).toBe(200);
      expect(reply.body['model_version']).toBe('2');
      const [label, probabilities] = reply.body['outputs'] as {
        name: string;
        shape: number[];
        data: unknown[];
      }[];
      const labels = ['NEGATIVE', 'NEUTRAL', 'POSITIVE'];
      expect(label.data).toEqual(reference.map((row) => labels[row.indexOf(Math.max(...row))]));
      expect(probabilities.shape).toEqual([3, 3]);
      (probabilities.data as number[]).forEach((p, i) =>
        expect(p).toBeCloseTo(reference[Math.floor(i / 3)][i % 3], 5),
      );
    });

    const x = (data: unknown, shape: unknown = [1, 3], datatype: unknown = 'FP32') => ({
      name: 'x',
      datatype,
      shape,
      data,
    });
    const k = { name: 'k', datatype: 'INT32', shape: [1], data: [1] };
    it.each([
      ['a wrong datatype', { inputs: [x([1, 2, 3], [1, 3], 'FP64'), k] }, /datatype must be FP32/],
      [
        'BF16, which onnxruntime-node does not take',
        { inputs: [x([1, 2, 3], [1, 3], 'BF16'), k] },
        /datatype must be FP32/,
      ],
      [
        'a shape that does not match the data',
        { inputs: [x([1, 2, 3], [2, 3]), k] },
        /holds 6 elements but data has 3/,
      ],
      [
        "a shape that does not fit the model's",
        { inputs: [x([1, 2, 3, 4], [1, 4]), k] },
        /does not fit/,
      ],
      ['a negative dimension', { inputs: [x([1, 2, 3], [-1, 3]), k] }, /non-negative/],
      [
        'an unknown input name',
        { inputs: [x([1, 2, 3]), k, { ...k, name: 'z' }] },
        /unknown input "z"/,
      ],
      ['a missing input', { inputs: [x([1, 2, 3])] }, /missing input\(s\): k/],
      ['an input given twice', { inputs: [x([1, 2, 3]), k, k] }, /given twice/],
      ['a string where a number goes', { inputs: [x([1, 'two', 3]), k] }, /must be a number/],
      [
        'an INT32 out of range',
        { inputs: [x([1, 2, 3]), { ...k, data: [2 ** 31] }] },
        /an integer in/,
      ],
      ['a fractional integer', { inputs: [x([1, 2, 3]), { ...k, data: [1.5] }] }, /an integer in/],
      [
        'too many elements',
        { inputs: [x([], [Math.floor(MAX_TENSOR_ELEMENTS / 3) + 1, 3]), k] },
        /more than/,
      ],
      [
        'an unknown output',
        { inputs: [x([1, 2, 3]), k], outputs: [{ name: 'w' }] },
        /unknown output\(s\) w/,
      ],
      ['no inputs', { inputs: [] }, /inputs must be an array/],
      ['a body that is not an infer request', { data: 'hello' }, /inputs must be an array/],
    ])('answers %s with 400 {"error"}, and keeps serving', async (_what, body, why) => {
      const reply = await post('/v2/models/tensor-demo/infer', body);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ error: expect.stringMatching(why) });
      expect((await get('/v2/health/live')).status).toBe(200);
    });

    it('answers a text over the limit with 400 {"error"}', async () => {
      const reply = await post('/v2/models/tiny-sentiment/infer', {
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [1], data: ['a'.repeat(MAX_INPUT_CHARS + 1)] },
        ],
      });
      expect(reply.status).toBe(400);
      expect(reply.body['error']).toMatch(/longer than/);
    });

    it('answers an unknown model with 404 {"error"}', async () => {
      const reply = await post('/v2/models/nope/infer', { inputs: [k] });
      expect(reply).toEqual({ status: 404, body: { error: 'unknown model "nope"' } });
    });

    it('keeps answering /health while a model computes in its worker', async () => {
      // About a second of matrix products in the busy model's worker.
      let done = false;
      const running = post('/v2/models/busy/infer', {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1], data: [0.001] },
          { name: 'size', datatype: 'INT64', shape: [2], data: [2600, 2600] },
        ],
      }).finally(() => (done = true));
      let answeredMeanwhile = 0;
      while (!done) {
        const started = performance.now();
        const health = await fetch(`${predictor.httpUrl}/health/live`);
        expect(health.status).toBe(200);
        if (!done) {
          answeredMeanwhile += 1;
          expect(performance.now() - started).toBeLessThan(500);
        }
      }
      expect((await running).status).toBe(200);
      expect(answeredMeanwhile).toBeGreaterThanOrEqual(5);
    });
  });

  describe('the seed routes, with a model named', () => {
    it('serves /predict from the default model, or the model and version named', async () => {
      const latest = await post('/predict', { input: 'I love this great film' });
      expect(latest.status).toBe(200);
      expect(latest.body['prediction']).toMatchObject({
        class: 'POSITIVE',
        model: { name: 'tiny-sentiment', version: '2' },
      });
      const first = await post('/predict', {
        input: 'I love this great film',
        model: 'tiny-sentiment',
        version: '1',
      });
      expect(first.body['prediction']).toMatchObject({
        model: { name: 'tiny-sentiment', version: '1' },
      });
    });

    it('answers an unknown model on /predict with a 404 problem MODEL_NOT_FOUND', async () => {
      const reply = await post('/predict', { input: 'x', model: 'nope' });
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404 });
    });

    it('carries model and version over TCP, and refuses an unknown one with MODEL_NOT_FOUND', async () => {
      const meta = { request_id: 'm-1', deadline: Date.now() + 5_000 };
      const result = await client.send<PredictionResult>(PREDICTOR_PATTERNS.predict, {
        payload: { input: 'awful food', model: 'tiny-sentiment', version: '1' },
        meta,
      });
      expect(result.prediction).toMatchObject({
        class: 'NEGATIVE',
        model: { name: 'tiny-sentiment', version: '1' },
      });
      await expect(
        client.send(PREDICTOR_PATTERNS.predict, {
          payload: { input: 'x', model: 'tiny-sentiment', version: '5' },
          meta,
        }),
      ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    });
  });

  describe('the OIP model operations over TCP (what the gateway forwards)', () => {
    const meta = () => ({ request_id: 't-1', deadline: Date.now() + 5_000 });
    const texts = {
      inputs: [
        { name: 'text', datatype: 'BYTES', shape: [2], data: ['I love this film', 'awful food'] },
      ],
    };

    it('answers infer exactly as the HTTP route does, for the latest and a named version', async () => {
      for (const version of [undefined, '1']) {
        const path = version
          ? '/v2/models/tiny-sentiment/versions/1/infer'
          : '/v2/models/tiny-sentiment/infer';
        const overHttp = await post(path, texts);
        const overTcp = await client.send(PREDICTOR_PATTERNS.infer, {
          payload: { model: 'tiny-sentiment', ...(version && { version }), request: texts },
          meta: meta(),
        });
        expect(overHttp.status).toBe(200);
        expect(overTcp).toEqual(overHttp.body);
        expect(overTcp).toMatchObject({ model_version: version ?? '2' });
      }
    });

    it('answers metadata and readiness as the HTTP routes do', async () => {
      const metadata = await client.send(PREDICTOR_PATTERNS.modelMetadata, {
        payload: { model: 'tensor-demo' },
        meta: meta(),
      });
      expect(metadata).toEqual((await get('/v2/models/tensor-demo')).body);
      const ready = await client.send(PREDICTOR_PATTERNS.modelReady, {
        payload: { model: 'tiny-sentiment', version: '1' },
        meta: meta(),
      });
      expect(ready).toEqual({ name: 'tiny-sentiment', version: '1', ready: true });
    });

    it('refuses an unknown model or version with MODEL_NOT_FOUND, bad tensors with INVALID_INPUT', async () => {
      const send = (pattern: string, payload: object) =>
        client.send(pattern, { payload, meta: meta() });
      await expect(
        send(PREDICTOR_PATTERNS.infer, { model: 'nope', request: texts }),
      ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      await expect(
        send(PREDICTOR_PATTERNS.modelMetadata, { model: 'tiny-sentiment', version: '9' }),
      ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      await expect(send(PREDICTOR_PATTERNS.modelReady, { model: 'nope' })).rejects.toMatchObject({
        code: 'MODEL_NOT_FOUND',
      });
      const bad = [
        { inputs: [{ name: 'text', datatype: 'FP32', shape: [1], data: [1] }] },
        { inputs: [{ name: 'text', datatype: 'BYTES', shape: [3], data: ['a'] }] },
        { inputs: [{ name: 'nope', datatype: 'BYTES', shape: [1], data: ['a'] }] },
        { inputs: 'text' },
      ];
      for (const request of bad) {
        await expect(
          send(PREDICTOR_PATTERNS.infer, { model: 'tiny-sentiment', request }),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      }
      // A name no model can have is refused by the message's validation.
      await expect(
        send(PREDICTOR_PATTERNS.infer, { model: 'nope!', request: texts }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });
});
