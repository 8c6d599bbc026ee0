import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MODEL_NAME_PATTERN, MODEL_VERSION_PATTERN } from '@ml-system/contracts';
import type { OipInferResponse, OipModelMetadata, OipModelReady } from '@ml-system/contracts';
import { ProblemException, requestTraceparent, setRequestOutcome } from '@ml-system/server-core';
import type { ModelChoice } from '../predictor-client/predictor-client';
import { ServedByFastify } from '../served-by-fastify/served-by-fastify.decorator';
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

/**
 * An infer request as Fastify hands it over: the path's parameters and the
 * JSON object the body parser made of the body (none when the request had no body).
 */
type InferRequest = FastifyRequest<{
  Params: { name: string; version?: string };
  Body: Record<string, unknown> | undefined;
}>;

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

  /**
   * Served by Fastify straight to these two methods, past Nest's router (see
   * `installFastifyServedRoutes`): no Nest guard, pipe, interceptor or
   * parameter decorator runs for them; a refusal (a path naming no model) is
   * thrown into the problem+json filter.
   */
  @Post(':name/infer')
  @HttpCode(200)
  @ServedByFastify()
  @ApiGatewayInfer()
  infer(@Req() request: InferRequest): Promise<OipInferResponse> {
    return this.inferOn(modelChoiceOf(request.params.name), request);
  }

  @Post(':name/versions/:version/infer')
  @HttpCode(200)
  @ServedByFastify()
  @ApiParam({ name: 'version', type: String })
  @ApiGatewayInfer()
  inferVersion(@Req() request: InferRequest): Promise<OipInferResponse> {
    const { name, version } = request.params;
    return this.inferOn(modelChoiceOf(name, version), request);
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

  private inferOn(choice: ModelChoice, request: InferRequest): Promise<OipInferResponse> {
    // A POST without a body skips the JSON parser: refused as the parser refuses a non-object.
    if (request.body === undefined) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'The body must be a JSON object');
    }
    return this.inference.infer(choice, request.body, {
      requestId: String(request.id),
      receivedAt: Date.now(),
      traceparent: requestTraceparent(request),
      bodyText: request.jsonBodyText,
      outcome: () => setRequestOutcome(request, 'inferred'),
    });
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
