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
  // class-validator runs the bottom decorator first: the type check is reported first.
  @MaxLength(MAX_INPUT_CHARS)
  @MinLength(1)
  @IsString()
  input!: string;
}

/** Several texts to classify in one call. */
export class PredictBatchRequestDto {
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

/**
 * Messages whose payload is ignored (`health`, `model-info`): any object. No
 * nested class here, since class-validator refuses instances of classes that
 * declare no constraints.
 */
export class EmptyMessageDto extends RpcEnvelopeDto<Record<string, never>> {
  @IsObject()
  payload!: Record<string, never>;
}
