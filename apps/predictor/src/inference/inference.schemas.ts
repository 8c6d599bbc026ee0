import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { OIP_TO_ORT } from '../model/tensors';

// OpenAPI schemas of the Open Inference Protocol bodies (REST binding, v2),
// also the types the controller returns.

const DATATYPES = Object.keys(OIP_TO_ORT);

@ApiSchema({ name: 'OipServerMetadata', description: 'GET /v2' })
export class ServerMetadataBody {
  @ApiProperty({ example: 'ml-system-predictor' })
  name!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;

  @ApiProperty({ type: [String], example: ['model_repository'] })
  extensions!: string[];
}

@ApiSchema({ name: 'OipTensorMetadata', description: 'One input or output of a model' })
export class TensorMetadataBody {
  @ApiProperty({ example: 'text' })
  name!: string;

  @ApiProperty({ enum: DATATYPES, example: 'BYTES' })
  datatype!: string;

  @ApiProperty({ type: [Number], description: '-1 where the dimension is dynamic', example: [-1] })
  shape!: number[];
}

@ApiSchema({ name: 'OipModelMetadata', description: 'GET /v2/models/{name}[/versions/{version}]' })
export class ModelMetadataBody {
  @ApiProperty({ example: 'tiny-sentiment' })
  name!: string;

  @ApiProperty({
    type: [String],
    description: 'Version folders, oldest first',
    example: ['1', '2'],
  })
  versions!: string[];

  @ApiProperty({ example: 'onnxruntime_onnx' })
  platform!: string;

  @ApiProperty({ type: [TensorMetadataBody] })
  inputs!: TensorMetadataBody[];

  @ApiProperty({ type: [TensorMetadataBody] })
  outputs!: TensorMetadataBody[];
}

@ApiSchema({
  name: 'OipModelReady',
  description: 'GET /v2/models/{name}[/versions/{version}]/ready',
})
export class ReadyBody {
  @ApiProperty({ example: 'tiny-sentiment' })
  name!: string;

  @ApiPropertyOptional({ example: '2' })
  version?: string;

  @ApiProperty()
  ready!: boolean;
}

@ApiSchema({ name: 'OipServerReady', description: 'GET /v2/health/ready' })
export class ServerReadyBody {
  @ApiProperty()
  ready!: boolean;
}

@ApiSchema({ name: 'OipServerLive', description: 'GET /v2/health/live' })
export class ServerLiveBody {
  @ApiProperty()
  live!: boolean;
}

@ApiSchema({ name: 'OipRequestInput', description: 'One input tensor; data flattened row-major' })
export class InferInputBody {
  @ApiProperty({ example: 'text' })
  name!: string;

  @ApiProperty({ type: [Number], example: [2] })
  shape!: number[];

  @ApiProperty({ enum: DATATYPES, example: 'BYTES' })
  datatype!: string;

  @ApiProperty({
    type: 'array',
    items: {},
    description: 'The elements, row-major: numbers, booleans (BOOL) or strings (BYTES)',
    example: ['I love this film', 'the food was awful'],
  })
  data!: unknown[];
}

@ApiSchema({ name: 'OipRequestOutput', description: 'An output to return' })
export class InferOutputRequestBody {
  @ApiProperty({ example: 'label' })
  name!: string;
}

@ApiSchema({
  name: 'OipInferRequest',
  description: 'POST /v2/models/{name}[/versions/{version}]/infer',
})
export class InferRequestBody {
  @ApiPropertyOptional({ description: 'Echoed in the response' })
  id?: string;

  @ApiProperty({ type: [InferInputBody] })
  inputs!: InferInputBody[];

  @ApiPropertyOptional({
    type: [InferOutputRequestBody],
    description: 'The outputs to return; absent: all of them',
  })
  outputs?: InferOutputRequestBody[];
}

@ApiSchema({
  name: 'OipResponseOutput',
  description: 'One output tensor; data flattened row-major',
})
export class InferOutputBody {
  @ApiProperty({ example: 'label' })
  name!: string;

  @ApiProperty({ enum: DATATYPES, example: 'BYTES' })
  datatype!: string;

  @ApiProperty({ type: [Number], example: [2] })
  shape!: number[];

  @ApiProperty({ type: 'array', items: {}, example: ['POSITIVE', 'NEGATIVE'] })
  data!: unknown[];
}

@ApiSchema({ name: 'OipInferResponse', description: 'The outputs of one infer request' })
export class InferResponseBody {
  @ApiProperty({ example: 'tiny-sentiment' })
  model_name!: string;

  @ApiProperty({ description: 'The version folder that answered', example: '2' })
  model_version!: string;

  @ApiPropertyOptional()
  id?: string;

  @ApiProperty({ type: [InferOutputBody] })
  outputs!: InferOutputBody[];
}

@ApiSchema({
  name: 'OipRepositoryEntry',
  description: "One version of a model, with its state (Triton's index)",
})
export class RepositoryEntryBody {
  @ApiProperty({ example: 'tiny-sentiment' })
  name!: string;

  @ApiProperty({ example: '2' })
  version!: string;

  @ApiProperty({ enum: ['READY', 'LOADING', 'UNAVAILABLE'] })
  state!: string;

  @ApiProperty({ description: 'Why a version is UNAVAILABLE; empty otherwise', example: '' })
  reason!: string;
}

@ApiSchema({ name: 'OipError', description: 'Every Open Inference Protocol error' })
export class OipErrorBody {
  @ApiProperty({ example: 'unknown model "sentiment"' })
  error!: string;
}
