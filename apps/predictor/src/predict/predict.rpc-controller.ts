import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  EmptyMessageDto,
  PREDICTOR_PATTERNS,
  PredictBatchMessageDto,
  PredictManyMessageDto,
  PredictMessageDto,
  predictorError,
} from '@ml-system/contracts';
import type {
  BatchPredictionResult,
  ModelInfo,
  PredictManyItemDto,
  PredictManyOutcome,
  PredictManyReply,
  PredictionResult,
  PredictorError,
  PredictorHealthReply,
  RpcMeta,
} from '@ml-system/contracts';
import { LifecycleService } from '@ml-system/server-core';
import { ModelServingError } from '../model/model-errors';
import { RpcTelemetry } from '../observability/rpc-telemetry.service';
import type { ReportBug } from '../observability/rpc-telemetry.service';
import { asNamedModelRpcError, asRpcError } from './model-errors.mapping';
import { PredictService } from './predict.service';
import { RpcErrorFilter } from './rpc-error.filter';
import {
  plainlyValidPredictManyMessage,
  plainlyValidPredictMessage,
  strictlyValidMessage,
} from './rpc-message.validation';

const SHUTTING_DOWN: PredictorError = Object.freeze(
  predictorError('SHUTTING_DOWN', 'the predictor is shutting down'),
);
const DEADLINE_PASSED: PredictorError = Object.freeze(
  predictorError('DEADLINE_EXCEEDED', 'the request deadline passed before the model ran'),
);
/** A predict-many item's outcome when its own deadline has passed; the same for every such item. */
const ITEM_DEADLINE_PASSED: PredictManyOutcome = Object.freeze({ error: DEADLINE_PASSED });

/** The predictor error a model error stands for; undefined for a bug. */
function refusalOf(error: unknown): PredictorError | undefined {
  return ModelServingError.is(error) ? predictorError(error.code, error.message) : undefined;
}

/** Synchronous when the message is plainly valid; a promise when class-validator has to look. */
type Reply<T> = T | Promise<T>;

/**
 * The TCP face of the predictor: one handler per versioned message pattern.
 *
 * No pipe and no interceptor: each handler takes the raw message, hands it
 * to `RpcTelemetry.observe` (span, log line, metric), and validates it
 * itself, in a few comparisons when it is plainly valid (the predict
 * patterns), else through the strict class-validator pipe, which decides and
 * words INVALID_INPUT. The filter sends what they throw as `{code, message}`.
 */
// TCP patterns are documented in libs/contracts; OpenAPI covers the HTTP face only.
@ApiExcludeController()
@Controller()
@UseFilters(new RpcErrorFilter())
export class PredictRpcController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly predictions: PredictService,
    private readonly lifecycle: LifecycleService,
    private readonly telemetry: RpcTelemetry,
  ) {}

  @MessagePattern(PREDICTOR_PATTERNS.predict)
  predict(@Payload() message: unknown): Reply<PredictionResult> {
    return this.telemetry.observe(PREDICTOR_PATTERNS.predict, message, () => {
      const valid = plainlyValidPredictMessage(message);
      if (valid) return this.predictOne(valid);
      return strictlyValidMessage(message, PredictMessageDto).then((checked) =>
        this.predictOne(checked),
      );
    });
  }

  @MessagePattern(PREDICTOR_PATTERNS.predictBatch)
  predictBatch(@Payload() message: unknown): Reply<BatchPredictionResult> {
    return this.telemetry.observe<BatchPredictionResult>(
      PREDICTOR_PATTERNS.predictBatch,
      message,
      async () => {
        const checked = await strictlyValidMessage(message, PredictBatchMessageDto);
        this.admit(checked.meta);
        const { inputs } = checked.payload;
        return {
          predictions: await this.predictions
            .predict(inputs, checked.payload, checked.meta.deadline)
            .catch(checked.payload.model === undefined ? asRpcError : asNamedModelRpcError),
        };
      },
    );
  }

  /**
   * Several independent requests in one frame. Refused as a whole only when
   * the frame is invalid (INVALID_INPUT) or the predictor is draining
   * (SHUTTING_DOWN); otherwise one outcome per item, in order.
   */
  @MessagePattern(PREDICTOR_PATTERNS.predictMany)
  predictMany(@Payload() message: unknown): Reply<PredictManyReply> {
    const started = performance.now();
    const valid = plainlyValidPredictManyMessage(message);
    if (valid) return this.answerMany(valid, started);
    return strictlyValidMessage(message, PredictManyMessageDto).then(
      (checked) => this.answerMany(checked, started),
      (error: unknown) =>
        this.telemetry.refuse(PREDICTOR_PATTERNS.predictMany, message, started, error),
    );
  }

  @MessagePattern(PREDICTOR_PATTERNS.health)
  health(@Payload() message: unknown): Reply<PredictorHealthReply> {
    return this.telemetry.observe<PredictorHealthReply>(
      PREDICTOR_PATTERNS.health,
      message,
      async () => {
        await strictlyValidMessage(message, EmptyMessageDto);
        return {
          status: 'up',
          ready: !this.lifecycle.draining,
          model: this.predictions.modelRef(),
          uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
        };
      },
    );
  }

  @MessagePattern(PREDICTOR_PATTERNS.modelInfo)
  modelInfo(@Payload() message: unknown): Reply<ModelInfo> {
    return this.telemetry.observe<ModelInfo>(PREDICTOR_PATTERNS.modelInfo, message, async () => {
      await strictlyValidMessage(message, EmptyMessageDto);
      try {
        return this.predictions.info();
      } catch (error) {
        return asRpcError(error);
      }
    });
  }

  private predictOne(message: PredictMessageDto): Promise<PredictionResult> {
    this.admit(message.meta);
    return this.predictions
      .predictOne(message.payload.input, message.payload, message.meta.deadline)
      .catch(message.payload.model === undefined ? asRpcError : asNamedModelRpcError);
  }

  private async answerMany(
    message: PredictManyMessageDto,
    started: number,
  ): Promise<PredictManyReply> {
    const { items } = message.payload;
    const results = await this.telemetry.observeMany(
      PREDICTOR_PATTERNS.predictMany,
      message.meta,
      items,
      started,
      (report) => {
        if (this.lifecycle.draining) throw new RpcException(SHUTTING_DOWN);
        return this.outcomesOf(items, report);
      },
    );
    return { results };
  }

  /**
   * Items past their own deadline are dropped; the others go to the model in
   * one call. A model that throws has failed one input at least: each is then
   * scored alone, so that only the ones it fails on fail.
   */
  private async outcomesOf(
    items: readonly PredictManyItemDto[],
    report: ReportBug,
  ): Promise<PredictManyOutcome[]> {
    const now = Date.now();
    const outcomes = new Array<PredictManyOutcome>(items.length);
    const inputs: string[] = [];
    const positions: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (now > item.meta.deadline) {
        outcomes[i] = ITEM_DEADLINE_PASSED;
      } else {
        inputs.push(item.input);
        positions.push(i);
      }
    }
    if (inputs.length === 0) return outcomes;
    let results: PredictionResult[];
    try {
      results = await this.predictions.predict(inputs);
    } catch (batchError) {
      const refusal = refusalOf(batchError);
      if (refusal) {
        // Not ready, overloaded: every item gets that answer, none is a bug.
        for (const position of positions) outcomes[position] = { error: refusal };
        return outcomes;
      }
      let failedAlone = 0;
      for (let j = 0; j < positions.length; j++) {
        try {
          outcomes[positions[j]] = { result: await this.predictions.predictOne(inputs[j]) };
        } catch (error) {
          failedAlone += 1;
          outcomes[positions[j]] = { error: report(error, positions[j]) };
        }
      }
      // Every input scored alone: what failed the call is nobody's, and still a bug.
      if (failedAlone === 0) report(batchError);
      return outcomes;
    }
    for (let j = 0; j < positions.length; j++) outcomes[positions[j]] = { result: results[j] };
    return outcomes;
  }

  /** Refuses work nobody waits for any more, and new work while draining. */
  private admit(meta: RpcMeta): void {
    if (this.lifecycle.draining) throw new RpcException(SHUTTING_DOWN);
    if (Date.now() > meta.deadline) throw new RpcException(DEADLINE_PASSED);
  }
}
