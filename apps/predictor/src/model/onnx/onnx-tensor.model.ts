import { ModelServingError } from '../model-errors';
import type { ModelOutput, ModelPort, TensorSpec } from '../model.port';
import { OIP_TO_ORT } from '../tensors';
import type { Tensor } from '../tensors';
import { WorkerSession } from './worker-session';
import type { WorkerSessionOptions } from './worker-session';

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

  private constructor(
    readonly name: string,
    readonly version: string,
    private readonly session: WorkerSession,
    readonly metadata: Readonly<Record<string, unknown>>,
  ) {}

  /** Loads `modelPath` in a worker and warms it up with zeros: ready only once that ran. */
  static async load(
    name: string,
    version: string,
    modelPath: string,
    options: WorkerSessionOptions = {},
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
    return new OnnxTensorModel(name, version, session, { format: 'onnx', path: modelPath });
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

  infer(inputs: ReadonlyMap<string, Tensor>, outputs?: readonly string[]): Promise<Tensor[]> {
    return this.session.run(
      [...inputs.values()],
      outputs ?? this.session.outputs.map((o) => o.name),
    );
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
