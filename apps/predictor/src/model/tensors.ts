import { MAX_INPUT_CHARS } from '@ml-system/contracts';
import { ModelServingError } from './model-errors';

/** One input or output of a model, as the Open Inference Protocol describes it. */
export interface TensorSpec {
  name: string;
  datatype: string;
  /** -1 where the dimension is dynamic. */
  shape: number[];
}

/** The element types ONNX Runtime's Node binding takes, by its own names. */
export type OrtType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

export type TensorData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float16Array
  | Float32Array
  | Float64Array
  | string[];

/** A tensor as it crosses to and from a model's worker: structured-clonable. */
export interface Tensor {
  name: string;
  type: OrtType;
  dims: number[];
  data: TensorData;
}

/** OIP datatype → ONNX Runtime type. BF16 is absent: the Node binding takes no bfloat16. */
export const OIP_TO_ORT: Readonly<Record<string, OrtType>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

export const ORT_TO_OIP: Readonly<Record<OrtType, string>> = Object.fromEntries(
  Object.entries(OIP_TO_ORT).map(([oip, ort]) => [ort, oip]),
) as Record<OrtType, string>;

/** Most elements in one request, over all its inputs: bounds what one request can make us allocate. */
export const MAX_TENSOR_ELEMENTS = 1_000_000;

const INTEGER_RANGES: Readonly<Partial<Record<OrtType, readonly [number, number]>>> = {
  uint8: [0, 0xff],
  uint16: [0, 0xffff],
  uint32: [0, 0xffffffff],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  int32: [-0x80000000, 0x7fffffff],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function invalid(message: string): ModelServingError {
  return new ModelServingError('INVALID_INPUT', message);
}

/** One OIP request input, as parsed from JSON and not trusted yet. */
export interface RequestTensor {
  name: unknown;
  datatype: unknown;
  shape: unknown;
  data: unknown;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

function checkedShape(name: string, shape: unknown): number[] {
  if (
    !Array.isArray(shape) ||
    shape.length > 8 ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)
  ) {
    throw invalid(`input "${name}": shape must be an array of at most 8 non-negative integers`);
  }
  return shape as number[];
}

/** `data` as a flat list, row-major; nested lists (the protocol allows them) are flattened. */
function flatData(name: string, data: unknown, expected: number): unknown[] {
  if (!Array.isArray(data)) throw invalid(`input "${name}": data must be an array`);
  const flat: unknown[] = data.flat(8);
  if (flat.length !== expected) {
    throw invalid(`input "${name}": shape holds ${expected} elements but data has ${flat.length}`);
  }
  return flat;
}

function typedData(name: string, type: OrtType, values: unknown[]): TensorData {
  const wrong = (what: string): never => {
    throw invalid(`input "${name}": every element must be ${what}`);
  };
  switch (type) {
    case 'string':
      for (const value of values) {
        if (typeof value !== 'string') wrong('a string (BYTES)');
        if ((value as string).length > MAX_INPUT_CHARS) {
          throw invalid(`input "${name}": a text is longer than ${MAX_INPUT_CHARS} characters`);
        }
      }
      return values as string[];
    case 'bool':
      return Uint8Array.from(values, (v) =>
        typeof v === 'boolean' ? Number(v) : wrong('a boolean'),
      );
    case 'float16':
    case 'float32':
    case 'float64': {
      const numbers = values.map((v) => (typeof v === 'number' ? v : wrong('a number')));
      if (type === 'float16') return Float16Array.from(numbers);
      return type === 'float32' ? Float32Array.from(numbers) : Float64Array.from(numbers);
    }
    default: {
      const [min, max] = INTEGER_RANGES[type] ?? [0, 0];
      const integers = values.map((v) =>
        typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
          ? v
          : wrong(`an integer in [${min}, ${max}]`),
      );
      switch (type) {
        case 'int64':
          return BigInt64Array.from(integers, (v) => BigInt(v));
        case 'uint64':
          return BigUint64Array.from(integers, (v) => BigInt(v));
        case 'int32':
          return Int32Array.from(integers);
        case 'int16':
          return Int16Array.from(integers);
        case 'int8':
          return Int8Array.from(integers);
        case 'uint32':
          return Uint32Array.from(integers);
        case 'uint16':
          return Uint16Array.from(integers);
        default:
          return Uint8Array.from(integers);
      }
    }
  }
}

/**
 * The inputs of an OIP infer request, checked against the model's own:
 * every input known and given once, of its datatype, a shape of its rank that
 * fits its fixed dimensions and matches the data, and no more than
 * MAX_TENSOR_ELEMENTS in all. Everything wrong is an INVALID_INPUT (400).
 */
export function checkInferInputs(
  specs: readonly TensorSpec[],
  inputs: readonly RequestTensor[],
): Map<string, Tensor> {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const checked = new Map<string, Tensor>();
  let total = 0;
  for (const input of inputs) {
    const name = typeof input.name === 'string' ? input.name : '';
    const spec = byName.get(name);
    if (!spec) {
      throw invalid(
        `unknown input "${name}": the model takes ${specs.map((s) => s.name).join(', ')}`,
      );
    }
    if (checked.has(name)) throw invalid(`input "${name}" is given twice`);
    if (input.datatype !== spec.datatype) {
      throw invalid(
        `input "${name}": datatype must be ${spec.datatype}, not ${String(input.datatype)}`,
      );
    }
    const shape = checkedShape(name, input.shape);
    if (
      shape.length !== spec.shape.length ||
      spec.shape.some((dim, i) => dim >= 0 && dim !== shape[i])
    ) {
      throw invalid(
        `input "${name}": shape [${shape.join(', ')}] does not fit the model's [${spec.shape.join(', ')}]`,
      );
    }
    const count = elementCount(shape);
    total += count;
    if (total > MAX_TENSOR_ELEMENTS) {
      throw invalid(`the request holds more than ${MAX_TENSOR_ELEMENTS} elements`);
    }
    const type = OIP_TO_ORT[spec.datatype];
    checked.set(name, {
      name,
      type,
      dims: shape,
      data: typedData(name, type, flatData(name, input.data, count)),
    });
  }
  const missing = specs.filter((spec) => !checked.has(spec.name)).map((spec) => spec.name);
  if (missing.length > 0) throw invalid(`missing input(s): ${missing.join(', ')}`);
  return checked;
}

/** The JSON form of an output's elements: numbers, booleans or strings, row-major. */
export function jsonData(tensor: Tensor): unknown[] {
  const { type, data } = tensor;
  if (type === 'string') return data as string[];
  if (type === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0);
  if (type === 'int64' || type === 'uint64') {
    // JSON has no 64-bit integers; beyond 2^53 a number loses precision, as in every JSON client.
    return Array.from(data as BigInt64Array, (v) => Number(v));
  }
  return Array.from(data as Float32Array);
}
