import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import {
  OipInferRequestSchema,
  OipInferResponseSchema,
  OipModelMetadataSchema,
  OipModelReadySchema,
} from '@ml-system/server-core';
import {
  OipErrorBody,
  RepositoryEntryBody,
  ServerLiveBody,
  ServerMetadataBody,
  ServerReadyBody,
} from './inference.schemas';

// The OpenAPI description of each Open Inference Protocol operation, one
// decorator per handler.

function oipError(status: number, description: string): MethodDecorator {
  return ApiResponse({ status, description, type: OipErrorBody });
}

const NAME = ApiParam({ name: 'name', description: 'A model of the repository' });

export function ApiServerMetadata(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Server metadata (Open Inference Protocol)' }),
    ApiOkResponse({ type: ServerMetadataBody }),
  );
}

export function ApiLive(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Server liveness (Open Inference Protocol)' }),
    ApiOkResponse({ type: ServerLiveBody }),
  );
}

export function ApiReady(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Server readiness: the default model is ready (Open Inference Protocol)',
    }),
    ApiOkResponse({ type: ServerReadyBody }),
    ApiResponse({ status: 503, description: 'Not ready', type: ServerReadyBody }),
  );
}

export function ApiModelMetadata(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: "A model's metadata: versions, platform, inputs and outputs" }),
    NAME,
    ApiOkResponse({ type: OipModelMetadataSchema }),
    oipError(404, 'Unknown model or version'),
    oipError(503, 'The version is not ready'),
  );
}

export function ApiModelReady(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'Whether a model (its latest version) or a version is ready' }),
    NAME,
    ApiOkResponse({ type: OipModelReadySchema }),
    ApiResponse({ status: 503, description: 'Not ready', type: OipModelReadySchema }),
    oipError(404, 'Unknown model or version'),
  );
}

export function ApiInfer(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary:
        'Run a model on tensors (text classifiers: input text BYTES [N]; outputs label BYTES [N], probabilities FP32 [N, C])',
    }),
    NAME,
    ApiBody({ type: OipInferRequestSchema }),
    ApiOkResponse({ type: OipInferResponseSchema }),
    oipError(
      400,
      'Bad tensors: unknown input or output, wrong datatype, shape and data that disagree, too many elements, a text too long',
    ),
    oipError(404, 'Unknown model or version'),
    oipError(503, "Not ready, or the model's queue is full"),
  );
}

export function ApiRepositoryIndex(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: "Every version of every model, with its state (Triton's repository index)",
    }),
    ApiOkResponse({ type: [RepositoryEntryBody] }),
  );
}

export function ApiRepositoryLoad(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary:
        "(Re)load a model from its repository folder: new versions load and serve once warmed up; versions that failed are retried (Triton's repository extension)",
    }),
    NAME,
    ApiOkResponse({ description: 'Loaded: `{}`', schema: { type: 'object' } }),
    oipError(400, 'No version of the model loads (the reasons are in the message)'),
    oipError(404, 'The repository has no such model folder'),
  );
}

export function ApiRepositoryUnload(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary:
        "Unload every version of a model once it has answered what it holds (Triton's repository extension)",
    }),
    NAME,
    ApiOkResponse({ description: 'Unloaded: `{}`', schema: { type: 'object' } }),
    oipError(404, 'Unknown model'),
  );
}
