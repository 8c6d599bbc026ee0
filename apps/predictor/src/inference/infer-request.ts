import { ModelServingError } from '../model/model-errors';
import type { RequestTensor } from '../model/tensors';

/** An OIP infer request, its shape checked (the tensors themselves are checked against the model). */
export interface InferRequest {
  id?: string;
  inputs: RequestTensor[];
  /** The outputs asked for; undefined: all of them. */
  outputs?: string[];
}

/** Most inputs or outputs one request names: more is not a model's, it is an attack. */
const MAX_NAMED = 64;

function invalid(message: string): ModelServingError {
  return new ModelServingError('INVALID_INPUT', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The body of `POST /v2/models/{name}[/versions/{v}]/infer`, as the Open
 * Inference Protocol's REST binding has it: `{id?, parameters?, inputs:
 * [{name, shape, datatype, parameters?, data}], outputs?: [{name,
 * parameters?}]}`. Anything else is an INVALID_INPUT (400).
 */
export function parseInferRequest(body: unknown): InferRequest {
  if (!isObject(body)) throw invalid('the body must be a JSON object');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') throw invalid('id must be a string');
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > MAX_NAMED) {
    throw invalid(`inputs must be an array of 1 to ${MAX_NAMED} tensors`);
  }
  const tensors = inputs.map((input: unknown, i): RequestTensor => {
    if (!isObject(input)) throw invalid(`inputs[${i}] must be an object`);
    if (typeof input['name'] !== 'string') throw invalid(`inputs[${i}].name must be a string`);
    if (typeof input['datatype'] !== 'string') {
      throw invalid(`inputs[${i}].datatype must be a string`);
    }
    return {
      name: input['name'],
      datatype: input['datatype'],
      shape: input['shape'],
      data: input['data'],
    };
  });
  let names: string[] | undefined;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || outputs.length > MAX_NAMED) {
      throw invalid(`outputs must be an array of at most ${MAX_NAMED} names`);
    }
    names = outputs.map((output: unknown, i) => {
      if (!isObject(output) || typeof output['name'] !== 'string') {
        throw invalid(`outputs[${i}] must be {"name": string}`);
      }
      return output['name'];
    });
  }
  return { ...(id !== undefined && { id }), inputs: tensors, outputs: names };
}
