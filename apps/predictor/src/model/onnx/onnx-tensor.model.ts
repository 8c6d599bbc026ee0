import { RowBatcher } from '../batching/row-batcher';
import type { BatchSettings } from '../batching/row-batcher';
import { ModelServingError } from '../model-errors';
import type { ModelOutput, ModelPort, TensorSpec } from '../model.port';
import { OIP_TO_ORT } from '../tensors';
import type { Tensor, TensorData } from '../tensors';
import { DEFAULT_MAX_QUEUE, OnnxRunError, WorkerSession } from './worker-session';
import type { WorkerSessionOptions } from './worker-session';

/** Rows in one session run when the settings name no other size (as for text classifiers). */
export const DEFAULT_MAX_BATCH_SIZE = 32;

/** One OIP infer request, its inputs in the graph's input order. */
interface InferCall {
  inputs: Tensor[];
  outputs: string[];
}

/** Its outputs, or why it failed: one bad request of a batch fails alone. */
type InferOutcome = Tensor[] | Error;

/** The elements of `parts` end to end, in the type of the first. */
function concatData(parts: readonly TensorData[]): TensorData {
  if (Array.isArray(parts[0])) return (parts as string[][]).flat();
  const total = parts.reduce((n, part) => n + part.length, 0);
  // Every part has the first one's type: the batch key says so. Float32Array stands for them all.
  const joined = new (parts[0].constructor as Float32ArrayConstructor)(total);
  let at = 0;
  for (const part of parts as Float32Array[]) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** A copy of elements [from, to): every TensorData has a `slice` of this form. */
function sliceData(data: TensorData, from: number, to: number): TensorData {
  return (data as Float32Array).slice(from, to);
}

/**
 * A tensor of `fill` for each input (dynamic dimensions of 1): what a
 * warm-up run feeds. Zeros suit indices, ones suit divisors: a graph that
 * takes neither is tried with both.
 */
export function warmUpInputs(specs: readonly TensorSpec[], fill: 0 | 1 = 0): Tensor[] {
  return specs.map((spec) => {
    const dims = spec.shape.map((d) => (d < 0 ? 1 : d));
    const count = dims.reduce((a, b) => a * b, 1);
    const zeros = (): Tensor['data'] => {
      switch (spec.datatype) {
        case 'BYTES':
          return new Array<string>(count).fill(fill === 0 ? '' : 'a');
        case 'INT64':
          return new BigInt64Array(count).fill(BigInt(fill));
        case 'UINT64':
          return new BigUint64Array(count).fill(BigInt(fill));
        case 'FP64':
          return new Float64Array(count).fill(fill);
        case 'FP16':
          return new Float16Array(count).fill(fill);
        case 'INT32':
          return new Int32Array(count).fill(fill);
        case 'UINT32':
          return new Uint32Array(count).fill(fill);
        case 'INT16':
          return new Int16Array(count).fill(fill);
        case 'UINT16':
          return new Uint16Array(count).fill(fill);
        case 'INT8':
          return new Int8Array(count).fill(fill);
        case 'BOOL':
        case 'UINT8':
          return new Uint8Array(count).fill(fill);
        default:
          return new Float32Array(count).fill(fill);
      }
    };
    const type = OIP_TO_ORT[spec.datatype] ?? 'float32';
    return { name: spec.name, type, dims, data: zeros() };
  });
}

/** A plain ONNX model: any tensors in, any tensors out, through the Open Inference Protocol. */
export class OnnxTensorModel implements ModelPort {
  readonly classes: readonly string[] = [];
  readonly platform = 'onnxruntime_onnx';
  /** Absent when the graph cannot batch (an input without a dynamic first dimension) or the settings say 1. */
  private readonly batcher: RowBatcher<InferCall, InferOutcome> | undefined;

  private constructor(
    readonly name: string,
    readonly version: string,
    private readonly session: WorkerSession,
    readonly metadata: Readonly<Record<string, unknown>>,
    batching: BatchSettings,
  ) {
    const batchable = session.inputs.every((spec) => spec.shape.length > 0 && spec.shape[0] < 0);
    if (batchable && batching.maxBatchSize > 1) {
      this.batcher = new RowBatcher(batching, (calls) => this.runBatch(calls));
    }
  }

  /** Loads `modelPath` in a worker and warms it up with zeros: ready only once that ran. */
  static async load(
    name: string,
    version: string,
    modelPath: string,
    options: WorkerSessionOptions & Partial<BatchSettings> = {},
  ): Promise<OnnxTensorModel> {
    const session = await WorkerSession.open(modelPath, options);
    const outputs = session.outputs.map((o) => o.name);
    try {
      await session
        .run(warmUpInputs(session.inputs, 0), outputs)
        .catch(() => session.run(warmUpInputs(session.inputs, 1), outputs));
    } catch (error) {
      await session.close();
      throw new Error(`the warm-up run failed: ${(error as Error).message}`);
    }
    return new OnnxTensorModel(
      name,
      version,
      session,
      { format: 'onnx', path: modelPath },
      {
        maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        maxQueueDelayMs: options.maxQueueDelayMs ?? 0,
        maxQueue: options.maxQueue ?? DEFAULT_MAX_QUEUE,
      },
    );
  }

  get inputs(): readonly TensorSpec[] {
    return this.session.inputs;
  }

  get outputs(): readonly TensorSpec[] {
    return this.session.outputs;
  }

  predict(): Promise<ModelOutput[]> {
    return Promise.reject(
      new ModelServingError(
        'INVALID_INPUT',
        `model "${this.name}" takes tensors, not text: POST /v2/models/${this.name}/infer`,
      ),
    );
  }

  /**
   * Runs one request, batched with concurrent ones when it can be (see
   * `batchKey`); one past `deadline` (epoch ms) is dropped before the run.
   */
  async infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputs?: readonly string[],
    deadline?: number,
  ): Promise<Tensor[]> {
    const names = [...(outputs ?? this.session.outputs.map((o) => o.name))];
    if (!this.batcher) {
      if (deadline !== undefined && Date.now() > deadline) {
        throw new ModelServingError(
          'DEADLINE_EXCEEDED',
          'the request deadline passed before the model ran',
        );
      }
      return this.session.run([...inputs.values()], names);
    }
    // The graph's order, so that the tensors of a batch line up input by input.
    const ordered = this.session.inputs.map((spec) => inputs.get(spec.name));
    const call: InferCall = {
      inputs: ordered.every((t) => t !== undefined) ? ordered : [...inputs.values()],
      outputs: names,
    };
    const outcome = await this.batcher.submit(call, call.inputs[0]?.dims[0] ?? 1, {
      deadline,
      key: this.batchKey(call),
    });
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /** Answers every request already accepted (queued ones too), then ends the worker. */
  async close(): Promise<void> {
    await this.batcher?.drain();
    await this.session.close();
  }

  /**
   * What a request must share with others to run with them: the outputs it
   * asks for, and each input's datatype and every dimension after the first.
   * Undefined (it runs alone) when its inputs disagree on the first
   * dimension, or an output it asks for has no dynamic first dimension to
   * split along.
   */
  private batchKey(call: InferCall): string | undefined {
    const rows = call.inputs[0]?.dims[0];
    if (rows === undefined || rows < 1) return undefined;
    if (call.inputs.some((t) => t.dims.length === 0 || t.dims[0] !== rows)) return undefined;
    const byName = new Map(this.session.outputs.map((spec) => [spec.name, spec]));
    const splittable = call.outputs.every((name) => {
      const shape = byName.get(name)?.shape;
      return shape !== undefined && shape.length > 0 && shape[0] < 0;
    });
    if (!splittable) return undefined;
    return JSON.stringify([
      call.outputs,
      call.inputs.map((t) => [t.name, t.type, t.dims.slice(1)]),
    ]);
  }

  /** One session run for the batch, its outputs split back by each request's rows. */
  private async runBatch(calls: readonly InferCall[]): Promise<InferOutcome[]> {
    if (calls.length === 1) return [await this.runAlone(calls[0])];
    const counts = calls.map((call) => call.inputs[0].dims[0]);
    const total = counts.reduce((a, b) => a + b, 0);
    const joined: Tensor[] = calls[0].inputs.map((first, i) => ({
      name: first.name,
      type: first.type,
      dims: [total, ...first.dims.slice(1)],
      data: concatData(calls.map((call) => call.inputs[i].data)),
    }));
    let outputs: Tensor[];
    try {
      outputs = await this.session.run(joined, calls[0].outputs);
    } catch (error) {
      // One request's tensors can fail a run (an index out of range, ...): each alone, then.
      if (error instanceof OnnxRunError) return this.runEachAlone(calls);
      throw error;
    }
    // An output whose first dimension is not the batch cannot be split: answer each alone.
    if (outputs.some((tensor) => tensor.dims[0] !== total)) return this.runEachAlone(calls);
    let offset = 0;
    return counts.map((rows) => {
      const from = offset;
      offset += rows;
      return outputs.map((tensor) => {
        const perRow = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
        return {
          name: tensor.name,
          type: tensor.type,
          dims: [rows, ...tensor.dims.slice(1)],
          data: sliceData(tensor.data, from * perRow, offset * perRow),
        };
      });
    });
  }

  private async runEachAlone(calls: readonly InferCall[]): Promise<InferOutcome[]> {
    const outcomes: InferOutcome[] = [];
    for (const call of calls) outcomes.push(await this.runAlone(call));
    return outcomes;
  }

  private runAlone(call: InferCall): Promise<InferOutcome> {
    return this.session.run(call.inputs, call.outputs).catch((error: unknown) => {
      if (error instanceof OnnxRunError || error instanceof ModelServingError) return error;
      throw error;
    });
  }
}
