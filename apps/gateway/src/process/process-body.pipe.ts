import { Injectable } from '@nestjs/common';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { MAX_INPUT_CHARS, MODEL_NAME_PATTERN, MODEL_VERSION_PATTERN } from '@ml-system/contracts';
import { httpValidationPipe } from '@ml-system/server-core';
import { ProcessRequestDto } from './process-request.dto';

const BODY_KEYS: ReadonlySet<string> = new Set([
  'data',
  'forward_to_model',
  'model',
  'model_version',
]);

/**
 * The body of `POST /process` when it is plainly valid, or null. Accepts only
 * what `ProcessRequestDto`'s class-validator rules accept (a property-based
 * spec checks it): no other key, `data` a string of 1..MAX_INPUT_CHARS UTF-16
 * units (so at most as many code points, which is what MaxLength counts),
 * `forward_to_model` absent or a boolean, `model` absent or a model name,
 * `model_version` absent or a version, and then only with `model`.
 */
export function plainlyValidProcessBody(value: unknown): ProcessRequestDto | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  for (const key in value) {
    if (!BODY_KEYS.has(key)) return null;
  }
  const {
    data,
    forward_to_model: forward,
    model,
    model_version: version,
  } = value as Record<string, unknown>;
  if (typeof data !== 'string' || data.length === 0 || data.length > MAX_INPUT_CHARS) return null;
  if (forward !== undefined && typeof forward !== 'boolean') return null;
  if (model !== undefined && (typeof model !== 'string' || !MODEL_NAME_PATTERN.test(model))) {
    return null;
  }
  if (
    version !== undefined &&
    (model === undefined || typeof version !== 'string' || !MODEL_VERSION_PATTERN.test(version))
  ) {
    return null;
  }
  const dto = new ProcessRequestDto();
  dto.data = data;
  if (forward !== undefined) dto.forward_to_model = forward;
  if (model !== undefined) dto.model = model;
  if (version !== undefined) dto.model_version = version;
  return dto;
}

const BODY_METADATA: ArgumentMetadata = { type: 'body', metatype: ProcessRequestDto };

/**
 * Validation of `POST /process`, the hot path: the plainly valid body (nearly
 * every request) is checked in a few comparisons, synchronously; anything else
 * goes through the same class-validator pipe as every other body, which
 * decides and words the 400. The profile showed the reflective pipe at ~10% of
 * the gateway's CPU per request. The controller calls `validate` itself rather
 * than through a parameter decorator: Nest's parameter and pipe machinery
 * around it cost more per request than the check.
 */
@Injectable()
export class ProcessBodyPipe implements PipeTransform<unknown, Promise<ProcessRequestDto>> {
  private readonly full = httpValidationPipe();

  /** The body as a DTO: at once when plainly valid, else once the full pipe has judged it. */
  validate(value: unknown): ProcessRequestDto | Promise<ProcessRequestDto> {
    return (
      plainlyValidProcessBody(value) ??
      (this.full.transform(value, BODY_METADATA) as Promise<ProcessRequestDto>)
    );
  }

  async transform(value: unknown, _metadata?: ArgumentMetadata): Promise<ProcessRequestDto> {
    return this.validate(value);
  }
}
