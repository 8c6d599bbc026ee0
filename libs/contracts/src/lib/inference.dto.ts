import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { RpcEnvelopeDto } from './envelope';
import { MODEL_NAME_PATTERN, MODEL_VERSION_PATTERN } from './limits';

/**
 * A model named by an Open Inference Protocol route: the name is required
 * (it is in the path), the version optional (unset: the latest ready one).
 */
export class NamedModelDto {
  @Matches(MODEL_NAME_PATTERN)
  @IsString()
  model!: string;

  @Matches(MODEL_VERSION_PATTERN)
  @IsString()
  @IsOptional()
  version?: string;
}

/**
 * The payload of `predictor.infer.v1`: the model, and the OIP request body as
 * the client sent it. The body's tensors are checked by the predictor against
 * the model (the same checks as its HTTP route), not here.
 */
export class InferRequestDto extends NamedModelDto {
  @IsObject()
  request!: Record<string, unknown>;
}

/** `predictor.infer.v1` message. */
export class InferMessageDto extends RpcEnvelopeDto<InferRequestDto> {
  @IsObject()
  @ValidateNested()
  @Type(() => InferRequestDto)
  payload!: InferRequestDto;
}

/** `predictor.model-metadata.v1` and `predictor.model-ready.v1` messages. */
export class NamedModelMessageDto extends RpcEnvelopeDto<NamedModelDto> {
  @IsObject()
  @ValidateNested()
  @Type(() => NamedModelDto)
  payload!: NamedModelDto;
}

/** One tensor of an OIP response (REST binding): `data` flattened row-major. */
export interface OipTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** Answer of `predictor.infer.v1`: the OIP infer response body. */
export interface OipInferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: OipTensor[];
}

/** One input or output a model declares; -1 where a dimension is dynamic. */
export interface OipTensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** Answer of `predictor.model-metadata.v1`: the OIP model metadata body. */
export interface OipModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
}

/**
 * Answer of `predictor.model-ready.v1`: the OIP readiness body. A model that is
 * known but not ready is an answer (`ready: false`), not an error.
 */
export interface OipModelReady {
  name: string;
  version?: string;
  ready: boolean;
}
