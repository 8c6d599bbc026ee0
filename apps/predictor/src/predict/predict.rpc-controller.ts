import { Controller, UseFilters, UseInterceptors, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  EmptyMessageDto,
  PREDICTOR_PATTERNS,
  PredictBatchMessageDto,
  PredictMessageDto,
  predictorError,
} from '@ml-system/contracts';
import type {
  BatchPredictionResult,
  ModelInfo,
  PredictionResult,
  PredictorHealthReply,
  RpcMeta,
} from '@ml-system/contracts';
import { LifecycleService } from '@ml-system/server-core';
import { RpcTelemetryInterceptor } from '../observability/rpc-telemetry.interceptor';
import { PredictService } from './predict.service';
import { RpcErrorFilter } from './rpc-error.filter';
import { RpcMessagePipe } from './rpc-message.pipe';

/** The TCP face of the predictor: one handler per versioned message pattern. */
// TCP patterns are documented in libs/contracts; OpenAPI covers the HTTP face only.
@ApiExcludeController()
@Controller()
@UseFilters(new RpcErrorFilter())
@UseInterceptors(RpcTelemetryInterceptor)
@UsePipes(RpcMessagePipe)
export class PredictRpcController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly predictions: PredictService,
    private readonly lifecycle: LifecycleService,
  ) {}

  @MessagePattern(PREDICTOR_PATTERNS.predict)
  predict(@Payload() message: PredictMessageDto): PredictionResult {
    this.admit(message.meta);
    return this.predictions.predictOne(message.payload.input);
  }

  @MessagePattern(PREDICTOR_PATTERNS.predictBatch)
  predictBatch(@Payload() message: PredictBatchMessageDto): BatchPredictionResult {
    this.admit(message.meta);
    return { predictions: this.predictions.predict(message.payload.inputs) };
  }

  @MessagePattern(PREDICTOR_PATTERNS.health)
  health(@Payload() message: EmptyMessageDto): PredictorHealthReply {
    void message;
    return {
      status: 'up',
      ready: !this.lifecycle.draining,
      model: this.predictions.modelRef(),
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  @MessagePattern(PREDICTOR_PATTERNS.modelInfo)
  modelInfo(@Payload() message: EmptyMessageDto): ModelInfo {
    void message;
    return this.predictions.info();
  }

  /** Refuses work nobody waits for any more, and new work while draining. */
  private admit(meta: RpcMeta): void {
    if (this.lifecycle.draining) {
      throw new RpcException(predictorError('SHUTTING_DOWN', 'the predictor is shutting down'));
    }
    if (Date.now() > meta.deadline) {
      throw new RpcException(
        predictorError('DEADLINE_EXCEEDED', 'the request deadline passed before the model ran'),
      );
    }
  }
}
