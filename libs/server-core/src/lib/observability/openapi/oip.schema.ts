import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type {
  OipInferResponse,
  OipModelMetadata,
  OipModelReady,
  OipTensor,
  OipTensorMetadata,
} from '@ml-system/contracts';

// The Open Inference Protocol (REST, v2) bodies both apps serve: the predictor
// answers them, the gateway forwards them as they are. One description, so the
// two OpenAPI documents cannot drift apart. They implement the contracts' types.

/** The protocol's datatypes that ONNX Runtime takes (BF16 is refused). */
export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
];

@ApiSchema({ name: 'OipTensor', description: 'One tensor; data flattened row-major' })
export class OipTensorSchema implements OipTensor {
  @ApiProperty({ example: 'text' })
  name!: string;

  @ApiProperty({ enum: OIP_DATATYPES, example: 'BYTES' })
  datatype!: string;

  @ApiProperty({ type: [Number], example: [2] })
  shape!: number[];

  @ApiProperty({
    type: 'array',
    items: {},
    description: 'The elements, row-major: numbers, booleans (BOOL) or strings (BYTES)',
    example: ['I love this film', 'the food was awful'],
  })
  data!: unknown[];
}

@ApiSchema({ name: 'OipOutputRequest', description: 'An output to return' })
export class OipOutputRequestSchema {
  @ApiProperty({ example: 'label' })
  name!: string;
}

@ApiSchema({
  name: 'OipInferRequest',
  description: 'POST /v2/models/{name}[/versions/{version}]/infer',
})
export class OipInferRequestSchema {
  @ApiPropertyOptional({ description: 'Echoed in the response' })
  id?: string;

  @ApiProperty({ type: [OipTensorSchema] })
  inputs!: OipTensorSchema[];

  @ApiPropertyOptional({
    type: [OipOutputRequestSchema],
    description: 'The outputs to return; absent: all of them',
  })
  outputs?: OipOutputRequestSchema[];
}

@ApiSchema({
  name: 'OipInferResponse',
  description: "The model's outputs",
})
export class OipInferResponseSchema implements OipInferResponse {
  @ApiProperty({ example: 'tiny-sentiment' })
  model_name!: string;

  @ApiProperty({ description: 'The version folder that answered', example: '2' })
  model_version!: string;

  @ApiPropertyOptional({ description: "The request's id, when it had one" })
  id?: string;

  @ApiProperty({
    type: [OipTensorSchema],
    example: [
      { name: 'label', datatype: 'BYTES', shape: [2], data: ['POSITIVE', 'NEGATIVE'] },
      {
        name: 'probabilities',
        datatype: 'FP32',
        shape: [2, 2],
        data: [0.02, 0.98, 0.97, 0.03],
      },
    ],
  })
  outputs!: OipTensorSchema[];
}

@ApiSchema({ name: 'OipTensorMetadata', description: 'One input or output of a model' })
export class OipTensorMetadataSchema implements OipTensorMetadata {
  @ApiProperty({ example: 'text' })
  name!: string;

  @ApiProperty({ enum: OIP_DATATYPES, example: 'BYTES' })
  datatype!: string;

  @ApiProperty({ type: [Number], description: '-1 where the dimension is dynamic', example: [-1] })
  shape!: number[];
}

@ApiSchema({ name: 'OipModelMetadata', description: 'GET /v2/models/{name}[/versions/{version}]' })
export class OipModelMetadataSchema implements OipModelMetadata {
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

  @ApiProperty({ type: [OipTensorMetadataSchema] })
  inputs!: OipTensorMetadataSchema[];

  @ApiProperty({ type: [OipTensorMetadataSchema] })
  outputs!: OipTensorMetadataSchema[];
}

@ApiSchema({
  name: 'OipModelReady',
  description: 'GET /v2/models/{name}[/versions/{version}]/ready',
})
export class OipModelReadySchema implements OipModelReady {
  @ApiProperty({ example: 'tiny-sentiment' })
  name!: string;

  @ApiPropertyOptional({ description: 'Present when the route named a version', example: '2' })
  version?: string;

  @ApiProperty()
  ready!: boolean;
}
