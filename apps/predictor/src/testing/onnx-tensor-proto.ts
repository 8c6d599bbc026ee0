import { readFileSync } from 'node:fs';
import { Field, Type } from 'protobufjs';

/**
 * The fields of ONNX's `TensorProto` (onnx/onnx.proto) that the backend test
 * data uses, by their official numbers, to read the `.pb` tensors of
 * Debian's libonnx-testdata.
 */
const TensorProto = new Type('TensorProto')
  .add(new Field('dims', 1, 'int64', 'repeated'))
  .add(new Field('dataType', 2, 'int32'))
  .add(new Field('floatData', 4, 'float', 'repeated'))
  .add(new Field('int32Data', 5, 'int32', 'repeated'))
  .add(new Field('stringData', 6, 'bytes', 'repeated'))
  .add(new Field('int64Data', 7, 'int64', 'repeated'))
  .add(new Field('name', 8, 'string'))
  .add(new Field('rawData', 9, 'bytes'))
  .add(new Field('doubleData', 10, 'double', 'repeated'))
  .add(new Field('uint64Data', 11, 'uint64', 'repeated'));

/** ONNX's `TensorProto.DataType` numbers → OIP datatypes, and the typed array of the raw bytes. */
const TYPES: Readonly<
  Record<number, { datatype: string; raw?: (b: ArrayBuffer) => ArrayLike<number | bigint> }>
> = {
  1: { datatype: 'FP32', raw: (b) => new Float32Array(b) },
  2: { datatype: 'UINT8', raw: (b) => new Uint8Array(b) },
  3: { datatype: 'INT8', raw: (b) => new Int8Array(b) },
  4: { datatype: 'UINT16', raw: (b) => new Uint16Array(b) },
  5: { datatype: 'INT16', raw: (b) => new Int16Array(b) },
  6: { datatype: 'INT32', raw: (b) => new Int32Array(b) },
  7: { datatype: 'INT64', raw: (b) => new BigInt64Array(b) },
  8: { datatype: 'BYTES' },
  9: { datatype: 'BOOL', raw: (b) => new Uint8Array(b) },
  10: { datatype: 'FP16', raw: (b) => new Float16Array(b) },
  11: { datatype: 'FP64', raw: (b) => new Float64Array(b) },
  12: { datatype: 'UINT32', raw: (b) => new Uint32Array(b) },
  13: { datatype: 'UINT64', raw: (b) => new BigUint64Array(b) },
};

/** A test tensor in the Open Inference Protocol's JSON form. */
export interface JsonTensor {
  datatype: string;
  shape: number[];
  data: (number | boolean | string)[];
}

interface Decoded {
  dims: (number | { toNumber(): number })[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: (number | { toNumber(): number })[];
  rawData: Uint8Array;
  doubleData: number[];
  uint64Data: (number | { toNumber(): number })[];
}

const toNumber = (v: number | { toNumber(): number }): number =>
  typeof v === 'number' ? v : v.toNumber();

/** Reads one `.pb` TensorProto file as OIP JSON. */
export function readTensorProto(path: string): JsonTensor {
  const message = TensorProto.toObject(TensorProto.decode(readFileSync(path)), {
    defaults: true,
  }) as Decoded;
  const type = TYPES[message.dataType];
  if (!type) throw new Error(`${path}: TensorProto data type ${message.dataType} is not handled`);
  const shape = message.dims.map(toNumber);
  let values: (number | boolean | string)[];
  if (type.datatype === 'BYTES') {
    values = message.stringData.map((b) => Buffer.from(b).toString('utf8'));
  } else if (message.rawData.length > 0 && type.raw) {
    // A copy, aligned: the decoded bytes may sit at any offset of a larger buffer.
    const raw = type.raw(new Uint8Array(message.rawData).buffer);
    values = Array.from(raw, (v) => Number(v));
  } else {
    const typed: (number | { toNumber(): number })[] =
      message.floatData.length > 0
        ? message.floatData
        : message.doubleData.length > 0
          ? message.doubleData
          : message.int64Data.length > 0
            ? message.int64Data
            : message.uint64Data.length > 0
              ? message.uint64Data
              : message.int32Data;
    values = typed.map(toNumber);
  }
  if (type.datatype === 'BOOL') values = values.map((v) => v !== 0);
  return { datatype: type.datatype, shape, data: values };
}
