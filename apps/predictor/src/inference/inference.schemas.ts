import { ApiProperty, ApiSchema } from '@nestjs/swagger';

// OpenAPI schemas of the predictor's own Open Inference Protocol bodies (REST
// binding, v2), also the types the controller returns; the model bodies the
// gateway forwards too (infer, metadata, ready) are server-core's Oip*Schema.

@ApiSchema({ name: 'OipServerMetadata', description: 'GET /v2' })
export class ServerMetadataBody {
  @ApiProperty({ example: 'ml-system-predictor' })
  name!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;

  @ApiProperty({ type: [String], example: ['model_repository'] })
  extensions!: string[];
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
