import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { RpcEnvelopeDto } from './envelope';
import { MAX_BATCH_SIZE, MAX_INPUT_CHARS } from './limits';

/** One text to classify: the seed's `{"input": "..."}`. */
export class PredictRequestDto {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_INPUT_CHARS)
  input!: string;
}

/** Several texts to classify in one call. */
export class PredictBatchRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_SIZE)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(MAX_INPUT_CHARS, { each: true })
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

/** Messages that carry no payload (`health`, `model-info`). */
export class EmptyPayloadDto {}

export class EmptyMessageDto extends RpcEnvelopeDto<EmptyPayloadDto> {
  @IsObject()
  @ValidateNested()
  @Type(() => EmptyPayloadDto)
  payload!: EmptyPayloadDto;
}
