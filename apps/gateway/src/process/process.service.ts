import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProblemException } from '@ml-system/server-core';
import type { GatewayEnv } from '../config/gateway.config';
import { isInputLogUnavailable } from '../input-log/input-log.errors';
import { InputLogService } from '../input-log/input-log.service';
import { PredictorClient } from '../predictor-client/predictor-client';
import { toHttpError } from '../predictor-client/to-http-error';
import type { ProcessRequestDto } from './process-request.dto';
import { LOGGED_STATUS } from './process.types';
import type { ProcessResponse } from './process.types';

export interface ProcessContext {
  requestId: string;
  traceparent?: string;
  /** When the request arrived, epoch ms. */
  receivedAt: number;
}

/**
 * The seed's request path: record the input (durably, before anything is
 * acknowledged), then forward it to the predictor when asked.
 */
@Injectable()
export class ProcessService {
  private readonly deadlineMs: number;

  constructor(
    private readonly inputLog: InputLogService,
    private readonly predictor: PredictorClient,
    config: ConfigService<GatewayEnv, true>,
  ) {
    this.deadlineMs = config.get('REQUEST_DEADLINE_MS', { infer: true });
  }

  /** @throws ProblemException (503 when the input cannot be recorded; the predictor's mapped errors). */
  async process(body: ProcessRequestDto, context: ProcessContext): Promise<ProcessResponse> {
    const { requestId, receivedAt } = context;
    try {
      await this.inputLog.appendInput({
        id: requestId,
        received_at: new Date(receivedAt).toISOString(),
        data: body.data,
        forward_to_model: body.forward_to_model,
      });
    } catch (error) {
      const reason = isInputLogUnavailable(error) ? error.reason : 'the input log failed';
      throw new ProblemException(
        503,
        'INPUT_LOG_UNAVAILABLE',
        `The input could not be recorded (${reason}), so it was not accepted; retry later`,
        { 'retry-after': '5' },
      );
    }
    const elapsed = (): number => Date.now() - receivedAt;
    if (!body.forward_to_model) {
      this.inputLog.recordOutcome(requestId, { status: 'logged', latency_ms: elapsed() });
      return { status: LOGGED_STATUS, request_id: requestId };
    }
    try {
      const result = await this.predictor.predict(body.data, {
        requestId,
        deadline: receivedAt + this.deadlineMs,
        ...(context.traceparent ? { traceparent: context.traceparent } : {}),
      });
      this.inputLog.recordOutcome(requestId, {
        status: 'predicted',
        class: result.prediction.class,
        confidence: result.prediction.confidence,
        model_version: result.prediction.model.version,
        latency_ms: elapsed(),
      });
      return { status: LOGGED_STATUS, model_prediction: result, request_id: requestId };
    } catch (error) {
      const problem = toHttpError(error);
      this.inputLog.recordOutcome(requestId, {
        status: 'error',
        code: problem.code,
        latency_ms: elapsed(),
      });
      throw problem;
    }
  }
}
