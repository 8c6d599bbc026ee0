import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { LifecycleService } from '@ml-system/server-core';
import type {
  OipInferResponseSchema,
  OipModelMetadataSchema,
  OipModelReadySchema,
} from '@ml-system/server-core';
import { HttpDeadline } from '../config/http-deadline';
import type { ModelRegistry, RepositoryEntry } from '../model/model-registry';
import { MODELS } from '../model/model.module';
import {
  ApiInfer,
  ApiLive,
  ApiModelMetadata,
  ApiModelReady,
  ApiReady,
  ApiRepositoryIndex,
  ApiRepositoryLoad,
  ApiRepositoryUnload,
  ApiServerMetadata,
} from './inference.docs';
import type { ServerMetadataBody } from './inference.schemas';
import { InferenceService } from './inference.service';
import { OipErrorFilter } from './oip-error.filter';

export const OIP_SERVER_NAME = 'ml-system-predictor';

/**
 * The Open Inference Protocol v2 (REST) on the predictor's HTTP port, and
 * Triton's repository index: health, metadata, readiness and `infer` for
 * every model version of the repository. Errors are `{"error": "..."}`.
 */
@ApiTags('inference')
@Controller('v2')
@UseFilters(new OipErrorFilter())
export class InferenceController {
  constructor(
    @Inject(MODELS) private readonly models: ModelRegistry,
    private readonly lifecycle: LifecycleService,
    private readonly inference: InferenceService,
    private readonly deadline: HttpDeadline,
  ) {}

  @Get()
  @ApiServerMetadata()
  server(): ServerMetadataBody {
    return { name: OIP_SERVER_NAME, version: SYSTEM_VERSION, extensions: ['model_repository'] };
  }

  @Get('health/live')
  @ApiLive()
  live(): { live: boolean } {
    return { live: true };
  }

  /** Ready: the default model is, and the process is not draining. */
  @Get('health/ready')
  @ApiReady()
  ready(@Res({ passthrough: true }) reply: FastifyReply): { ready: boolean } {
    const ready = this.models.isReady() && !this.lifecycle.draining;
    void reply.status(ready ? 200 : 503);
    return { ready };
  }

  @Get('models/:name')
  @ApiModelMetadata()
  model(@Param('name') name: string): OipModelMetadataSchema {
    return this.inference.metadata(name);
  }

  @Get('models/:name/versions/:version')
  @ApiModelMetadata()
  modelVersion(
    @Param('name') name: string,
    @Param('version') version: string,
  ): OipModelMetadataSchema {
    return this.inference.metadata(name, version);
  }

  @Get('models/:name/ready')
  @ApiModelReady()
  modelReady(
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): OipModelReadySchema {
    return this.readiness(reply, name);
  }

  @Get('models/:name/versions/:version/ready')
  @ApiModelReady()
  modelVersionReady(
    @Param('name') name: string,
    @Param('version') version: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): OipModelReadySchema {
    return this.readiness(reply, name, version);
  }

  @Post('models/:name/infer')
  @HttpCode(200)
  @ApiInfer()
  infer(@Param('name') name: string, @Body() body: unknown): Promise<OipInferResponseSchema> {
    return this.inference.infer(body, name, undefined, this.deadline.fromNow());
  }

  @Post('models/:name/versions/:version/infer')
  @HttpCode(200)
  @ApiInfer()
  inferVersion(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() body: unknown,
  ): Promise<OipInferResponseSchema> {
    return this.inference.infer(body, name, version, this.deadline.fromNow());
  }

  /** Triton's repository extension: every version of every model, with its state. */
  @Post('repository/index')
  @HttpCode(200)
  @ApiRepositoryIndex()
  index(): RepositoryEntry[] {
    return this.models.index();
  }

  /** Triton's repository extension: (re)load a model from its folder. */
  @Post('repository/models/:name/load')
  @HttpCode(200)
  @ApiRepositoryLoad()
  async load(@Param('name') name: string): Promise<Record<string, never>> {
    await this.models.load(name);
    return {};
  }

  /** Triton's repository extension: unload every version of a model, after what each holds. */
  @Post('repository/models/:name/unload')
  @HttpCode(200)
  @ApiRepositoryUnload()
  async unload(@Param('name') name: string): Promise<Record<string, never>> {
    await this.models.unload(name);
    return {};
  }

  private readiness(reply: FastifyReply, name: string, version?: string): OipModelReadySchema {
    const body = this.inference.readiness(name, version);
    void reply.status(body.ready ? 200 : 503);
    return body;
  }
}
