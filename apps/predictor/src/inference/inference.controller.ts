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
import type { ModelRegistry, RepositoryEntry } from '../model/model-registry';
import { MODELS } from '../model/model.module';
import type { ModelPort } from '../model/model.port';
import { ModelServingError } from '../model/model-errors';
import { ORT_TO_OIP, checkInferInputs, jsonData } from '../model/tensors';
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
import type {
  InferResponseBody,
  ModelMetadataBody,
  ReadyBody,
  ServerMetadataBody,
} from './inference.schemas';
import { parseInferRequest } from './infer-request';
import { OipErrorFilter } from './oip-error.filter';
import { PredictorMetrics } from '../observability/predictor.metrics';

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
    private readonly metrics: PredictorMetrics,
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
  model(@Param('name') name: string): ModelMetadataBody {
    return this.metadata(name);
  }

  @Get('models/:name/versions/:version')
  @ApiModelMetadata()
  modelVersion(@Param('name') name: string, @Param('version') version: string): ModelMetadataBody {
    return this.metadata(name, version);
  }

  @Get('models/:name/ready')
  @ApiModelReady()
  modelReady(
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): ReadyBody {
    return this.readiness(reply, name);
  }

  @Get('models/:name/versions/:version/ready')
  @ApiModelReady()
  modelVersionReady(
    @Param('name') name: string,
    @Param('version') version: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): ReadyBody {
    return this.readiness(reply, name, version);
  }

  @Post('models/:name/infer')
  @HttpCode(200)
  @ApiInfer()
  infer(@Param('name') name: string, @Body() body: unknown): Promise<InferResponseBody> {
    return this.run(body, name);
  }

  @Post('models/:name/versions/:version/infer')
  @HttpCode(200)
  @ApiInfer()
  inferVersion(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() body: unknown,
  ): Promise<InferResponseBody> {
    return this.run(body, name, version);
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

  private metadata(name: string, version?: string): ModelMetadataBody {
    const versions = this.models.versionsOf(name);
    const { model } = this.models.served(name, version);
    return {
      name,
      versions: version === undefined ? versions : [version],
      platform: model.platform,
      inputs: model.inputs.map((t) => ({ ...t })),
      outputs: model.outputs.map((t) => ({ ...t })),
    };
  }

  private readiness(reply: FastifyReply, name: string, version?: string): ReadyBody {
    const state = this.models.stateOf(name, version);
    const ready = state.state === 'READY';
    void reply.status(ready ? 200 : 503);
    return { name, ...(version !== undefined && { version }), ready };
  }

  private async run(body: unknown, name: string, version?: string): Promise<InferResponseBody> {
    if (this.lifecycle.draining) {
      throw new ModelServingError('MODEL_NOT_READY', 'the predictor is shutting down');
    }
    const served = this.models.served(name, version);
    return this.metrics.countModelRequest(name, served.version, () =>
      this.inferOn(name, served.model, served.version, body),
    );
  }

  private async inferOn(
    name: string,
    model: ModelPort,
    modelVersion: string,
    body: unknown,
  ): Promise<InferResponseBody> {
    const request = parseInferRequest(body);
    if (request.outputs) {
      const known = new Set(model.outputs.map((o) => o.name));
      const unknown = request.outputs.filter((o) => !known.has(o));
      if (unknown.length > 0) {
        throw new ModelServingError(
          'INVALID_INPUT',
          `unknown output(s) ${unknown.join(', ')}: the model gives ${[...known].join(', ')}`,
        );
      }
    }
    const inputs = checkInferInputs(model.inputs, request.inputs);
    const outputs = await model.infer(inputs, request.outputs);
    return {
      model_name: name,
      model_version: modelVersion,
      ...(request.id !== undefined && { id: request.id }),
      outputs: outputs.map((tensor) => ({
        name: tensor.name,
        datatype: ORT_TO_OIP[tensor.type],
        shape: tensor.dims,
        data: jsonData(tensor),
      })),
    };
  }
}
