import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  InferMessageDto,
  NamedModelMessageDto,
  PREDICTOR_PATTERNS,
  predictorError,
} from '@ml-system/contracts';
import type {
  OipInferResponse,
  OipModelMetadata,
  OipModelReady,
  PredictorError,
} from '@ml-system/contracts';
import { LifecycleService } from '@ml-system/server-core';
import { OnnxRunError } from '../model/onnx/worker-session';
import { RpcTelemetry } from '../observability/rpc-telemetry.service';
import { asNamedModelRpcError } from '../predict/model-errors.mapping';
import { RpcErrorFilter } from '../predict/rpc-error.filter';
import { plainlyValidInferMessage, strictlyValidMessage } from '../predict/rpc-message.validation';
import { InferenceService } from './inference.service';

const SHUTTING_DOWN: PredictorError = Object.freeze(
  predictorError('SHUTTING_DOWN', 'the predictor is shutting down'),
);
const DEADLINE_PASSED: PredictorError = Object.freeze(
  predictorError('DEADLINE_EXCEEDED', 'the request deadline passed before the model ran'),
);

/** Synchronous never here, but the telemetry's signature allows it. */
type Reply<T> = T | Promise<T>;

/**
 * The TCP form of what the inference service throws on purpose: a model error
 * as the predictor error of its code (a model not ready as MODEL_UNAVAILABLE),
 * tensors the graph refused as INVALID_INPUT (the caller's, as on the HTTP
 * route); anything else is rethrown, a bug.
 */
export function asInferenceRpcError(error: unknown): never {
  if (error instanceof OnnxRunError) {
    throw new RpcException(predictorError('INVALID_INPUT', error.message));
  }
  // Every OIP operation names its model: one that is not ready is that model's state.
  return asNamedModelRpcError(error);
}

/**
 * The Open Inference Protocol's model operations on the TCP face, what the
 * gateway's `/v2/models/...` routes forward: the same service as the HTTP
 * routes, errors as predictor codes (MODEL_NOT_FOUND, INVALID_INPUT, ...).
 * Every message is validated by the strict pipe (an infer message that is
 * plainly valid by the same rules skips it); the infer body's tensors by the
 * service, against the model.
 */
// TCP patterns are documented in libs/contracts; OpenAPI covers the HTTP face only.
@ApiExcludeController()
@Controller()
@UseFilters(new RpcErrorFilter())
export class InferenceRpcController {
  constructor(
    private readonly inference: InferenceService,
    private readonly lifecycle: LifecycleService,
    private readonly telemetry: RpcTelemetry,
  ) {}

  @MessagePattern(PREDICTOR_PATTERNS.infer)
  infer(@Payload() message: unknown): Reply<OipInferResponse> {
    return this.telemetry.observe<OipInferResponse>(PREDICTOR_PATTERNS.infer, message, async () => {
      const { payload, meta } =
        plainlyValidInferMessage(message) ?? (await strictlyValidMessage(message, InferMessageDto));
      if (this.lifecycle.draining) throw new RpcException(SHUTTING_DOWN);
      if (Date.now() > meta.deadline) throw new RpcException(DEADLINE_PASSED);
      return this.inference
        .infer(payload.request, payload.model, payload.version, meta.deadline)
        .catch(asInferenceRpcError);
    });
  }

  @MessagePattern(PREDICTOR_PATTERNS.modelMetadata)
  metadata(@Payload() message: unknown): Reply<OipModelMetadata> {
    return this.telemetry.observe<OipModelMetadata>(
      PREDICTOR_PATTERNS.modelMetadata,
      message,
      async () => {
        const { payload } = await strictlyValidMessage(message, NamedModelMessageDto);
        try {
          return this.inference.metadata(payload.model, payload.version);
        } catch (error) {
          return asInferenceRpcError(error);
        }
      },
    );
  }

  @MessagePattern(PREDICTOR_PATTERNS.modelReady)
  ready(@Payload() message: unknown): Reply<OipModelReady> {
    return this.telemetry.observe<OipModelReady>(
      PREDICTOR_PATTERNS.modelReady,
      message,
      async () => {
        const { payload } = await strictlyValidMessage(message, NamedModelMessageDto);
        try {
          return this.inference.readiness(payload.model, payload.version);
        } catch (error) {
          return asInferenceRpcError(error);
        }
      },
    );
  }
}
