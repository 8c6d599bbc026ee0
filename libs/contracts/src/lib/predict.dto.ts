import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { RpcEnvelopeDto, RpcMetaDto } from './envelope';
import type { PredictorError } from './errors';
import type { PredictionResult } from './prediction';
import {
  MAX_BATCH_SIZE,
  MAX_INPUT_CHARS,
  MODEL_NAME_PATTERN,
  MODEL_VERSION_PATTERN,
} from './limits';

/**
 * Which model serves a request: optional fields, added compatibly to the v1
 * patterns (a request that names none gets the default model, as before).
 */
export class ModelSelectorDto {
  /** A model of the predictor's repository; unset: its default model. */
  @Matches(MODEL_NAME_PATTERN)
  @IsString()
  @IsOptional()
  model?: string;

  /** A version folder of that model; unset: its latest ready version. */
  @Matches(MODEL_VERSION_PATTERN)
  @IsString()
  @IsOptional()
  version?: string;
}

/** One text to classify: the seed's `{"input": "..."}`, and optionally which model. */
export class PredictRequestDto extends ModelSelectorDto {
  // class-validator runs the bottom decorator first: the type check is reported first.
  @MaxLength(MAX_INPUT_CHARS)
  @MinLength(1)
  @IsString()
  input!: string;
}

/** Several texts to classify in one call, by one model. */
export class PredictBatchRequestDto extends ModelSelectorDto {
  @MaxLength(MAX_INPUT_CHARS, { each: true })
  @MinLength(1, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(MAX_BATCH_SIZE)
  @ArrayMinSize(1)
  @IsArray()
  inputs!: string[];
}

/** `predictor.predict.v1` message. */
export class PredictMessageDto extends RpcEnvelopeDto<PredictRequestDto> {
  @IsObject()
  @ValidateNested()
  @Type(() => PredictRequestDto)
  payload!: PredictRequestDto;
}

/** `predictor.predict-batch.v1` message. */
export class PredictBatchMessageDto extends RpcEnvelopeDto<PredictBatchRequestDto> {
  @IsObject()
  @ValidateNested()
  @Type(() => PredictBatchRequestDto)
  payload!: PredictBatchRequestDto;
}

/** One request inside a `predictor.predict-many.v1` frame: its text and its own meta. */
export class PredictManyItemDto {
  @MaxLength(MAX_INPUT_CHARS)
  @MinLength(1)
  @IsString()
  input!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => RpcMetaDto)
  meta!: RpcMetaDto;
}

export class PredictManyRequestDto {
  @ValidateNested({ each: true })
  @Type(() => PredictManyItemDto)
  @ArrayMaxSize(MAX_BATCH_SIZE)
  @ArrayMinSize(1)
  @IsArray()
  items!: PredictManyItemDto[];
}

/**
 * `predictor.predict-many.v1` message. The outer meta describes the frame (an
 * id of its own, the latest of the items' deadlines); each item's meta is the
 * one its request would have carried alone.
 */
export class PredictManyMessageDto extends RpcEnvelopeDto<PredictManyRequestDto> {
  @IsObject()
  @ValidateNested()
  @Type(() => PredictManyRequestDto)
  payload!: PredictManyRequestDto;
}

/** One item's outcome: its prediction, or the error it alone would have received. */
export type PredictManyOutcome = { result: PredictionResult } | { error: PredictorError };

/** Answer of `predictor.predict-many.v1`: one outcome per item, in the items' order. */
export interface PredictManyReply {
  results: PredictManyOutcome[];
}

/**
 * Messages whose payload is ignored (`health`, `model-info`): any object. No
 * nested class here, since class-validator refuses instances of classes that
 * declare no constraints.
 */
export class EmptyMessageDto extends RpcEnvelopeDto<Record<string, never>> {
  @IsObject()
  payload!: Record<string, never>;
}
