import { Type } from 'class-transformer';
import {
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_REQUEST_ID_CHARS } from './limits';

/**
 * What travels beside every payload on the TCP hop: correlation and the
 * request's absolute deadline.
 */
export interface RpcMeta {
  /** The gateway's request id; the same one the HTTP client receives. */
  request_id: string;
  /** W3C trace context of the calling span, when tracing is on. */
  traceparent?: string;
  /** Absolute deadline, epoch milliseconds. Work still queued past it is dropped. */
  deadline: number;
}

/** Every message on the hop: `{payload, meta}`. */
export interface RpcEnvelope<T> {
  payload: T;
  meta: RpcMeta;
}

/** W3C traceparent: version-traceid-parentid-flags, lower-case hex. */
export const TRACEPARENT_PATTERN = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

export class RpcMetaDto implements RpcMeta {
  @IsString()
  @MaxLength(MAX_REQUEST_ID_CHARS)
  request_id!: string;

  @IsOptional()
  @IsString()
  @Matches(TRACEPARENT_PATTERN)
  traceparent?: string;

  @IsInt()
  @Min(0)
  deadline!: number;
}

/**
 * Base of the validated envelopes: subclasses declare `payload` with its own
 * DTO so that class-transformer knows what to instantiate.
 */
export abstract class RpcEnvelopeDto<T extends object> implements RpcEnvelope<T> {
  abstract payload: T;

  @IsObject()
  @ValidateNested()
  @Type(() => RpcMetaDto)
  meta!: RpcMetaDto;
}
