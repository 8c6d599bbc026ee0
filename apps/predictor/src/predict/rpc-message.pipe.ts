import { Injectable } from '@nestjs/common';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { plainToInstance } from 'class-transformer';
import {
  MAX_INPUT_CHARS,
  PredictMessageDto,
  TRACEPARENT_PATTERN,
  predictorError,
} from '@ml-system/contracts';
import { strictValidationPipe } from '@ml-system/server-core';

function onlyKeys(value: object, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A `predictor.predict.v1` message that is plainly valid, or null. Accepts only
 * what `PredictMessageDto`'s class-validator rules accept (a property-based
 * spec checks it): exactly `{payload: {input}, meta: {request_id, deadline,
 * traceparent?}}` with the same bounds.
 */
export function plainlyValidPredictMessage(value: unknown): PredictMessageDto | null {
  if (!isPlainObject(value) || !onlyKeys(value, ['payload', 'meta'])) return null;
  const { payload, meta } = value;
  if (!isPlainObject(payload) || !onlyKeys(payload, ['input'])) return null;
  if (!isPlainObject(meta) || !onlyKeys(meta, ['request_id', 'traceparent', 'deadline'])) return null;
  const { input } = payload;
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT_CHARS) return null;
  const { request_id: requestId, traceparent, deadline } = meta;
  if (typeof requestId !== 'string' || requestId.length > 128) return null;
  if (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline < 0) return null;
  if (traceparent !== undefined && (typeof traceparent !== 'string' || !TRACEPARENT_PATTERN.test(traceparent))) {
    return null;
  }
  // The nested instances class-validator would have built, without its reflection.
  return plainToInstance(PredictMessageDto, value, { enableImplicitConversion: false });
}

/**
 * Validation of the predictor's messages. The predict message, the hot path,
 * is checked in a few comparisons when it is plainly valid; everything else
 * (other patterns, and any doubtful predict message) goes through the strict
 * class-validator pipe, which decides and words the INVALID_INPUT error.
 */
@Injectable()
export class RpcMessagePipe implements PipeTransform {
  private readonly full = strictValidationPipe(
    (lines) => new RpcException(predictorError('INVALID_INPUT', lines.join('; '))),
  );

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype === PredictMessageDto) {
      const fast = plainlyValidPredictMessage(value);
      if (fast) return fast;
    }
    return this.full.transform(value, metadata);
  }
}
