import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelServingError } from '../model-errors';
import type { ModelOutput, ModelPort, TensorSpec } from '../model.port';
import { DEFAULT_MAX_QUEUE, WorkerSession } from '../onnx/worker-session';
import type { WorkerSessionOptions } from '../onnx/worker-session';
import type { Tensor } from '../tensors';
import { HfTokenizer } from './hf-tokenizer';
import { TextBatcher } from './text-batcher';
import type { BatchSettings } from './text-batcher';

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
/** Where optimum writes the graph, then where transformers.js keeps it. */
const GRAPH_PATHS = ['model.onnx', join('onnx', 'model.onnx')];

/** Texts in one session run when the settings name no other size. */
export const DEFAULT_MAX_BATCH_SIZE = 32;

/** The text input and the outputs a text classifier shows through the Open Inference Protocol. */
const TEXT_INPUT = 'text';

/** True when `folder` holds a Hugging Face text classifier (either layout). */
export function isHfTextClassifierFolder(folder: string): boolean {
  return (
    REQUIRED_FILES.every((file) => existsSync(join(folder, file))) &&
    GRAPH_PATHS.some((path) => existsSync(join(folder, path)))
  );
}

function readJson(folder: string, file: string): Record<string, unknown> {
  const value: unknown = JSON.parse(readFileSync(join(folder, file), 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** `id2label` in id order: `{"0": "NEGATIVE", "1": "POSITIVE"}` → `["NEGATIVE", "POSITIVE"]`. */
export function labelsOf(config: Record<string, unknown>): string[] {
  const id2label = config['id2label'];
  if (typeof id2label !== 'object' || id2label === null) {
    throw new Error('config.json has no id2label');
  }
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = new Array<string>(entries.length);
  for (const [id, label] of entries) {
    const index = Number(id);
    if (
      !Number.isInteger(index) ||
      index < 0 ||
      index >= entries.length ||
      typeof label !== 'string'
    ) {
      throw new Error('config.json id2label must map the ids 0..n-1 to names');
    }
    labels[index] = label;
  }
  return labels;
}

/** Softmax of one row, computed stably (the largest logit subtracted first). */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const exps = Array.from(logits, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * A Hugging Face sequence classifier exported to ONNX (optimum's layout, or
 * transformers.js's): tokenize, truncate to `model_max_length`, pad to the
 * longest text of the call, run `input_ids`, `attention_mask` (and
 * `token_type_ids` when the graph takes it), softmax the `logits`, label by
 * `id2label`.
 */
export class HfTextClassifierModel implements ModelPort {
  readonly platform = 'onnxruntime_onnx';
  readonly inputs: readonly TensorSpec[] = [{ name: TEXT_INPUT, datatype: 'BYTES', shape: [-1] }];
  readonly outputs: readonly TensorSpec[];
  private readonly batcher: TextBatcher;

  private constructor(
    readonly name: string,
    readonly version: string,
    readonly classes: readonly string[],
    readonly metadata: Readonly<Record<string, unknown>>,
    private readonly tokenizer: HfTokenizer,
    private readonly session: WorkerSession,
    private readonly takesTokenTypes: boolean,
    batching: BatchSettings,
  ) {
    this.batcher = new TextBatcher(batching, (texts) => this.probabilities(texts));
    this.outputs = [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, classes.length] },
    ];
  }

  /** Loads the folder, starts its worker, and warms it up: ready only once that ran. */
  static async load(
    name: string,
    version: string,
    folder: string,
    options: WorkerSessionOptions & Partial<BatchSettings> = {},
  ): Promise<HfTextClassifierModel> {
    const config = readJson(folder, 'config.json');
    const tokenizerConfig = readJson(folder, 'tokenizer_config.json');
    const tokenizerJson = readJson(folder, 'tokenizer.json');
    const classes = labelsOf(config);
    const padId = typeof config['pad_token_id'] === 'number' ? config['pad_token_id'] : undefined;
    const tokenizer = new HfTokenizer(
      tokenizerJson,
      tokenizerConfig,
      HfTokenizer.maxLengthOf(tokenizerConfig, config),
      padId,
    );
    const graph = GRAPH_PATHS.map((path) => join(folder, path)).find((path) => existsSync(path));
    if (!graph) throw new Error('no model.onnx nor onnx/model.onnx');
    const session = await WorkerSession.open(graph, options);
    const inputNames = new Set(session.inputs.map((i) => i.name));
    const missing = ['input_ids', 'attention_mask'].filter((n) => !inputNames.has(n));
    if (missing.length > 0 || !session.outputs.some((o) => o.name === 'logits')) {
      await session.close();
      throw new Error(
        `the graph must take input_ids and attention_mask and give logits (missing: ${[...missing, 'logits'].join(', ')})`,
      );
    }
    const model = new HfTextClassifierModel(
      name,
      version,
      classes,
      {
        format: 'huggingface/text-classification',
        model_type: config['model_type'],
        max_length: tokenizer.maxLength,
      },
      tokenizer,
      session,
      inputNames.has('token_type_ids'),
      {
        maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        maxQueueDelayMs: options.maxQueueDelayMs ?? 0,
        maxQueue: options.maxQueue ?? DEFAULT_MAX_QUEUE,
      },
    );
    try {
      await model.predict(['warm up']);
    } catch (error) {
      await session.close();
      throw new Error(`the warm-up run failed: ${(error as Error).message}`);
    }
    return model;
  }

  async predict(texts: readonly string[], deadline?: number): Promise<ModelOutput[]> {
    const rows = await this.batcher.submit(texts, deadline);
    return rows.map((row) => {
      let best = 0;
      for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
      return { label: this.classes[best], confidence: row[best] };
    });
  }

  async infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputs?: readonly string[],
    deadline?: number,
  ): Promise<Tensor[]> {
    const text = inputs.get(TEXT_INPUT);
    if (!text || text.dims.length !== 1 || text.dims[0] === 0) {
      throw new ModelServingError(
        'INVALID_INPUT',
        `input "${TEXT_INPUT}" must hold at least one text`,
      );
    }
    const rows = await this.batcher.submit(text.data as string[], deadline);
    const n = rows.length;
    const all: Tensor[] = [
      {
        name: 'label',
        type: 'string',
        dims: [n],
        data: rows.map((row) => this.classes[row.indexOf(Math.max(...row))]),
      },
      {
        name: 'probabilities',
        type: 'float32',
        dims: [n, this.classes.length],
        data: Float32Array.from(rows.flat()),
      },
    ];
    return outputs ? all.filter((t) => outputs.includes(t.name)) : all;
  }

  /** Answers every request already accepted (queued ones too), then ends the worker. */
  async close(): Promise<void> {
    await this.batcher.drain();
    await this.session.close();
  }

  /** One row of class probabilities per text: one session run for the call, padded to its longest text. */
  private async probabilities(texts: readonly string[]): Promise<number[][]> {
    const encoded = texts.map((text) => this.tokenizer.encode(text));
    const batch = encoded.length;
    const length = Math.max(...encoded.map((e) => e.ids.length));
    const ids = new BigInt64Array(batch * length).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(batch * length);
    const types = new BigInt64Array(batch * length);
    encoded.forEach((e, row) => {
      for (let i = 0; i < e.ids.length; i++) {
        ids[row * length + i] = BigInt(e.ids[i]);
        mask[row * length + i] = 1n;
        types[row * length + i] = BigInt(e.typeIds[i]);
      }
    });
    const dims = [batch, length];
    const feeds: Tensor[] = [
      { name: 'input_ids', type: 'int64', dims, data: ids },
      { name: 'attention_mask', type: 'int64', dims, data: mask },
    ];
    if (this.takesTokenTypes)
      feeds.push({ name: 'token_type_ids', type: 'int64', dims, data: types });
    const [logits] = await this.session.run(feeds, ['logits']);
    const classes = logits.dims[1];
    if (logits.dims[0] !== batch || classes !== this.classes.length) {
      throw new Error(
        `logits of shape [${logits.dims.join(', ')}] for ${batch} texts and ${this.classes.length} labels`,
      );
    }
    const values = logits.data as Float32Array;
    return Array.from({ length: batch }, (_, row) =>
      softmax(values.subarray(row * classes, (row + 1) * classes)),
    );
  }
}
