import type { Type } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import {
  MAX_BATCH_SIZE,
  MAX_INPUT_CHARS,
  MAX_REQUEST_ID_CHARS,
  MODEL_NAME_PATTERN,
  MODEL_VERSION_PATTERN,
  TRACEPARENT_PATTERN,
  predictorError,
} from '@ml-system/contracts';
import type {
  InferMessageDto,
  PredictManyMessageDto,
  PredictMessageDto,
} from '@ml-system/contracts';
import { strictValidationPipe } from '@ml-system/server-core';

const ENVELOPE_KEYS = ['payload', 'meta'];
const META_KEYS = ['request_id', 'traceparent', 'deadline'];
const ITEM_KEYS = ['input', 'meta'];
const PREDICT_KEYS = ['input', 'model', 'version'];
const INFER_KEYS = ['model', 'version', 'request'];

function onlyKeys(value: object, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `RpcMetaDto`'s rules: `{request_id, deadline, traceparent?}` with its bounds. */
function plainlyValidMeta(meta: unknown): boolean {
  if (!isPlainObject(meta) || !onlyKeys(meta, META_KEYS)) return false;
  const { request_id: requestId, traceparent, deadline } = meta;
  if (typeof requestId !== 'string' || requestId.length > MAX_REQUEST_ID_CHARS) return false;
  if (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline < 0) return false;
  return (
    traceparent === undefined ||
    (typeof traceparent === 'string' && TRACEPARENT_PATTERN.test(traceparent))
  );
}

/**
 * An input text as the DTOs bound it. JavaScript's length is never below
 * the one class-validator counts (it counts a surrogate pair as one), so the
 * upper bound here is never looser than its own.
 */
function plainlyValidInput(input: unknown): boolean {
  return typeof input === 'string' && input.length > 0 && input.length <= MAX_INPUT_CHARS;
}

/** An optional string field: absent, or a string the pattern matches (null goes to the strict pipe). */
function plainlyOptional(value: unknown, pattern: RegExp): boolean {
  return value === undefined || (typeof value === 'string' && pattern.test(value));
}

/**
 * A `predictor.predict.v1` message that is plainly valid, or null. Accepts only
 * what `PredictMessageDto`'s class-validator rules accept (a property-based
 * spec checks it): exactly `{payload: {input, model?, version?}, meta:
 * {request_id, deadline, traceparent?}}` with the same bounds.
 *
 * Returns the value itself, not a DTO instance: the handler reads plain fields
 * only, and building the instances class-transformer would build costs more
 * than the checks.
 */
export function plainlyValidPredictMessage(value: unknown): PredictMessageDto | null {
  if (!isPlainObject(value) || !onlyKeys(value, ENVELOPE_KEYS)) return null;
  const { payload, meta } = value;
  if (!isPlainObject(payload) || !onlyKeys(payload, PREDICT_KEYS)) return null;
  if (!plainlyValidInput(payload['input']) || !plainlyValidMeta(meta)) return null;
  if (!plainlyOptional(payload['model'], MODEL_NAME_PATTERN)) return null;
  if (!plainlyOptional(payload['version'], MODEL_VERSION_PATTERN)) return null;
  return value as unknown as PredictMessageDto;
}

/**
 * A `predictor.predict-many.v1` frame that is plainly valid, or null, on the
 * same terms as `plainlyValidPredictMessage`: exactly `{payload: {items},
 * meta}`, 1 to MAX_BATCH_SIZE items, each exactly `{input, meta}`.
 */
export function plainlyValidPredictManyMessage(value: unknown): PredictManyMessageDto | null {
  if (!isPlainObject(value) || !onlyKeys(value, ENVELOPE_KEYS)) return null;
  const { payload, meta } = value;
  if (!isPlainObject(payload) || !onlyKeys(payload, ['items'])) return null;
  const items: unknown = payload['items'];
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_SIZE) return null;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (!isPlainObject(item) || !onlyKeys(item, ITEM_KEYS)) return null;
    if (!plainlyValidInput(item['input']) || !plainlyValidMeta(item['meta'])) return null;
  }
  if (!plainlyValidMeta(meta)) return null;
  return value as unknown as PredictManyMessageDto;
}

/**
 * A `predictor.infer.v1` message that is plainly valid, or null, on the same
 * terms as `plainlyValidPredictMessage`: exactly `{payload: {model, version?,
 * request}, meta}`, `request` an object. The request's tensors are the
 * service's to check against the model, on either path; what the fast path
 * saves is class-transformer copying every element of every tensor and the
 * pipe walking them all again (for prototype keys, binary values and array
 * gaps, none of which a JSON frame can carry that the service would read).
 */
export function plainlyValidInferMessage(value: unknown): InferMessageDto | null {
  if (!isPlainObject(value) || !onlyKeys(value, ENVELOPE_KEYS)) return null;
  const { payload, meta } = value;
  if (!isPlainObject(payload) || !onlyKeys(payload, INFER_KEYS)) return null;
  const { model, version, request } = payload;
  if (typeof model !== 'string' || !MODEL_NAME_PATTERN.test(model)) return null;
  if (!plainlyOptional(version, MODEL_VERSION_PATTERN)) return null;
  if (!isPlainObject(request) || !plainlyValidMeta(meta)) return null;
  return value as unknown as InferMessageDto;
}

/** The one strict pipe of the TCP face: it decides, and words the INVALID_INPUT error. */
const strict = strictValidationPipe(
  (lines) => new RpcException(predictorError('INVALID_INPUT', lines.join('; '))),
);

/**
 * `value` checked by class-validator against `dto`: the DTO instance, or a
 * rejection with an RpcException INVALID_INPUT naming each field at fault.
 * What every message that is not plainly valid goes through.
 */
export function strictlyValidMessage<T>(value: unknown, dto: Type<T>): Promise<T> {
  return strict.transform(value, { type: 'body', metatype: dto }) as Promise<T>;
}
