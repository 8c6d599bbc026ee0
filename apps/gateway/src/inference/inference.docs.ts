import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { MAX_INFER_REQUEST_BYTES, MODEL_NAME_PATTERN } from '@ml-system/contracts';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  OipInferRequestSchema,
  OipInferResponseSchema,
  OipModelMetadataSchema,
  OipModelReadySchema,
} from '@ml-system/server-core';
import type { ProblemResponse } from '@ml-system/server-core';
import { ApiGuarded, GUARDED_PROBLEMS } from '../security/security.docs';

// The OpenAPI description of the gateway's Open Inference Protocol routes. The
// bodies are the predictor's (the contracts' types, which these implement).

const NAME = ApiParam({
  name: 'name',
  description: "A model of the predictor's repository",
  schema: { type: 'string', pattern: MODEL_NAME_PATTERN.source },
});

const PATH_PROBLEM: ProblemResponse = {
  status: 400,
  description: 'The path cannot name a model or a version (each parameter named in `errors`)',
  examples: {
    VALIDATION_FAILED: {
      detail: 'version must be a positive integer (e.g. 2)',
      errors: ['version must be a positive integer (e.g. 2)'],
    },
  },
};

const NOT_FOUND: ProblemResponse = {
  status: 404,
  description: 'The predictor has no such model or version',
  examples: { MODEL_NOT_FOUND: 'unknown model "sentiment"' },
};

/** The predictor (or the model) cannot take the call now. */
const PREDICTOR_UNAVAILABLE: ProblemResponse = {
  status: 503,
  description:
    'The predictor is unreachable, its circuit is open, too many calls are in flight, the model (version) is not loaded or its queue is full; retry after Retry-After',
  examples: {
    PREDICTOR_UNAVAILABLE: 'Predictor is unavailable: connection refused',
    CIRCUIT_OPEN: 'Predictor is unavailable: every endpoint is failing (circuit open)',
    OVERLOADED: 'Predictor is unavailable: too many requests in flight',
    MODEL_NOT_READY:
      'Predictor is unavailable for this model: model "tiny-sentiment" version 3 is UNAVAILABLE: …',
  },
  retryAfter: true,
};

/** What the hop to the predictor can answer on every model route (the failure table). */
const PREDICTOR_PROBLEMS: readonly ProblemResponse[] = [
  {
    status: 502,
    description: 'The predictor failed while handling the request',
    examples: { PREDICTOR_ERROR: 'The predictor failed to handle the request' },
  },
  PREDICTOR_UNAVAILABLE,
  {
    status: 504,
    description: 'The predictor did not answer within the request deadline',
    examples: { DEADLINE_EXCEEDED: 'The predictor did not answer within the deadline (1000 ms)' },
  },
];

/** `POST /v2/models/{name}[/versions/{version}]/infer`. */
export function ApiGatewayInfer(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Run a model on tensors (Open Inference Protocol v2), through the predictor',
      description:
        'Forwarded to the predictor over TCP with the deadline, retries, breakers and in-flight cap of `POST /process`. ' +
        'The request is recorded in the input log first (its `data` is the JSON body, redacted per INPUT_LOG_REDACTION). ' +
        'Without a version, the latest ready one answers. Text classifiers take `text` (BYTES, [N]) and give `label` ' +
        '(BYTES, [N]) and `probabilities` (FP32, [N, C]).',
    }),
    NAME,
    ApiBody({
      type: OipInferRequestSchema,
      description: `At most ${MAX_INFER_REQUEST_BYTES} bytes of JSON`,
      examples: {
        text: {
          summary: 'Classify two texts',
          value: {
            inputs: [
              {
                name: 'text',
                shape: [2],
                datatype: 'BYTES',
                data: ['I love this film', 'the food was awful'],
              },
            ],
          },
        },
      },
    }),
    ApiOkResponse({ type: OipInferResponseSchema, description: "The predictor's OIP response" }),
    ApiGuarded(),
    ApiProblemResponses(
      {
        status: 400,
        description:
          'Not JSON, not an object, a path that names no model, or tensors the model refuses (unknown input or output, wrong datatype, shape and data that disagree, too many elements)',
        examples: {
          VALIDATION_FAILED:
            'The model refused the input: input "text" has datatype FP32; the model takes BYTES',
          MALFORMED_JSON: 'The body is not valid JSON',
        },
      },
      NOT_FOUND,
      {
        status: 413,
        description: `The body is larger than BODY_LIMIT_BYTES, or its JSON larger than ${MAX_INFER_REQUEST_BYTES} bytes`,
        examples: { PAYLOAD_TOO_LARGE: 'The request body is larger than allowed' },
      },
      ...JSON_BODY_PROBLEMS.filter((problem) => problem.status === 415),
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      ...PREDICTOR_PROBLEMS.filter((problem) => problem !== PREDICTOR_UNAVAILABLE),
      {
        ...PREDICTOR_UNAVAILABLE,
        description:
          'The input could not be recorded, or the predictor (or the model) cannot take it now; retry after Retry-After',
        examples: {
          ...PREDICTOR_UNAVAILABLE.examples,
          INPUT_LOG_UNAVAILABLE:
            'The input could not be recorded, so it was not accepted; retry later',
        },
      },
    ),
  );
}

/** `GET /v2/models/{name}[/versions/{version}]`. */
export function ApiGatewayModelMetadata(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary:
        "A model's metadata (Open Inference Protocol v2): versions, platform, inputs, outputs",
    }),
    NAME,
    ApiOkResponse({ type: OipModelMetadataSchema }),
    ApiGuarded(),
    ApiProblemResponses(
      PATH_PROBLEM,
      NOT_FOUND,
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      ...PREDICTOR_PROBLEMS,
    ),
  );
}

/** `GET /v2/models/{name}[/versions/{version}]/ready`. */
export function ApiGatewayModelReady(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary:
        'Whether a model (its latest version) or one version is ready (Open Inference Protocol v2)',
    }),
    NAME,
    ApiOkResponse({ type: OipModelReadySchema, description: 'Ready' }),
    ApiResponse({
      status: 503,
      type: OipModelReadySchema,
      description:
        'Not ready (`ready: false`, the same body); or, as problem+json with Retry-After, the predictor is unreachable',
    }),
    ApiGuarded(),
    ApiProblemResponses(
      PATH_PROBLEM,
      NOT_FOUND,
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      ...PREDICTOR_PROBLEMS.filter((problem) => problem.status !== 503),
    ),
  );
}
