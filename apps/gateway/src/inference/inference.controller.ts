import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MODEL_NAME_PATTERN, MODEL_VERSION_PATTERN } from '@ml-system/contracts';
import type { OipInferResponse, OipModelMetadata, OipModelReady } from '@ml-system/contracts';
import { ProblemException, requestTraceparent, setRequestOutcome } from '@ml-system/server-core';
import type { ModelChoice } from '../predictor-client/predictor-client';
import { ApiGatewayInfer, ApiGatewayModelMetadata, ApiGatewayModelReady } from './inference.docs';
import { InferenceService } from './inference.service';
import type { InferenceContext } from './inference.service';

/**
 * The model and version a route names, checked as the contracts bound them:
 * a path that cannot name a model is the client's error (400 naming the
 * parameter), not a lookup.
 */
export function modelChoiceOf(name: string, version?: string): ModelChoice {
  const errors: string[] = [];
  if (!MODEL_NAME_PATTERN.test(name)) {
    errors.push('name must be a model name (letters, digits, ".", "_", "-"; at most 128)');
  }
  if (version !== undefined && !MODEL_VERSION_PATTERN.test(version)) {
    errors.push('version must be a positive integer (e.g. 2)');
  }
  if (errors.length > 0) {
    throw new ProblemException(400, 'VALIDATION_FAILED', errors.join('; '), {}, errors);
  }
  return version === undefined ? { model: name } : { model: name, version };
}

function contextOf(request: FastifyRequest): InferenceContext {
  return {
    requestId: String(request.id),
    receivedAt: Date.now(),
    traceparent: requestTraceparent(request),
  };
}

/**
 * The Open Inference Protocol v2 (REST) model routes, forwarded to the
 * predictor: behind the same API keys and rate limits as `POST /process`
 * (the global guards). Success bodies are the predictor's OIP bodies as they
 * are; errors are this gateway's problem+json.
 */
@ApiTags('inference')
@Controller('v2/models')
export class InferenceController {
  constructor(private readonly inference: InferenceService) {}

  @Post(':name/infer')
  @HttpCode(200)
  @ApiGatewayInfer()
  infer(
    @Param('name') name: string,
    @Body() body: Record<string, unknown>,
    @Req() request: FastifyRequest,
  ): Promise<OipInferResponse> {
    return this.inferOn(modelChoiceOf(name), body, request);
  }

  @Post(':name/versions/:version/infer')
  @HttpCode(200)
  @ApiGatewayInfer()
  inferVersion(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() body: Record<string, unknown>,
    @Req() request: FastifyRequest,
  ): Promise<OipInferResponse> {
    return this.inferOn(modelChoiceOf(name, version), body, request);
  }

  @Get(':name')
  @ApiGatewayModelMetadata()
  metadata(@Param('name') name: string, @Req() request: FastifyRequest): Promise<OipModelMetadata> {
    return this.inference.metadata(modelChoiceOf(name), contextOf(request));
  }

  @Get(':name/versions/:version')
  @ApiGatewayModelMetadata()
  versionMetadata(
    @Param('name') name: string,
    @Param('version') version: string,
    @Req() request: FastifyRequest,
  ): Promise<OipModelMetadata> {
    return this.inference.metadata(modelChoiceOf(name, version), contextOf(request));
  }

  @Get(':name/ready')
  @ApiGatewayModelReady()
  ready(
    @Param('name') name: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OipModelReady> {
    return this.readiness(modelChoiceOf(name), request, reply);
  }

  @Get(':name/versions/:version/ready')
  @ApiGatewayModelReady()
  versionReady(
    @Param('name') name: string,
    @Param('version') version: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OipModelReady> {
    return this.readiness(modelChoiceOf(name, version), request, reply);
  }

  private async inferOn(
    choice: ModelChoice,
    body: Record<string, unknown>,
    request: FastifyRequest,
  ): Promise<OipInferResponse> {
    const response = await this.inference.infer(choice, body, contextOf(request));
    setRequestOutcome(request, 'inferred');
    return response;
  }

  /** As the predictor's OIP route: 200 when ready, 503 with the same body when not. */
  private async readiness(
    choice: ModelChoice,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<OipModelReady> {
    const body = await this.inference.ready(choice, contextOf(request));
    void reply.status(body.ready ? 200 : 503);
    return body;
  }
}
