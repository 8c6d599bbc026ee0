import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { IsoTimeCache } from '@ml-system/server-core';
import type { GatewayEnv } from '../config/gateway.config';
import { inputNotRecorded } from '../input-log/input-log.errors';
import { InputLogWriteService } from '../input-log/input-log-write.service';
import { PredictorClient } from '../predictor-client/predictor-client';
import type { ModelChoice } from '../predictor-client/predictor-client';
import { afterDurable } from '../predictor-client/after-durable';
import type { ProcessRequestDto } from './process-request.dto';
import { LOGGED_STATUS } from './process.types';
import type { ProcessResponse } from './process.types';

export interface ProcessContext {
  requestId: string;
  traceparent?: string;
  /** When the request arrived, epoch ms. */
  receivedAt: number;
  /** Told how a successful request ended, for its log line. */
  outcome?: (outcome: ProcessOutcome) => void;
}

/** How a successful `POST /process` ended: only logged, or logged and predicted. */
export type ProcessOutcome = 'logged' | 'predicted';

/**
 * The seed's request path: record the input (durably, before anything is
 * acknowledged) and, when asked, forward it to the predictor.
 *
 * The two run side by side: the synced write of the log and the predictor's round
 * trip overlap instead of adding up. Nothing is acknowledged before the input
 * is durable, so no acknowledged input can be lost; if the log refuses the
 * input, the prediction (which changes nothing anywhere) is discarded and the
 * client gets the 503.
 */
@Injectable()
export class ProcessService {
  private readonly deadlineMs: number;
  /** Requests arriving in the same millisecond share the string of their time. */
  private readonly receivedTimes = new IsoTimeCache();

  constructor(
    private readonly inputLog: InputLogWriteService,
    private readonly predictor: PredictorClient,
    config: ConfigService<GatewayEnv, true>,
  ) {
    this.deadlineMs = config.get('REQUEST_DEADLINE_MS', { infer: true });
  }

  /** @throws ProblemException (503 when the input cannot be recorded; the predictor's mapped errors). */
  async process(body: ProcessRequestDto, context: ProcessContext): Promise<ProcessResponse> {
    const { requestId, receivedAt } = context;
    const choice = modelChoiceOf(body);
    const logged = this.inputLog.appendInput({
      id: requestId,
      received_at: this.receivedTimes.of(receivedAt),
      data: body.data,
      forward_to_model: body.forward_to_model,
      ...(choice && { model: choice.model }),
      ...(choice?.version !== undefined && { model_version: choice.version }),
    });
    if (!body.forward_to_model) {
      try {
        await logged;
      } catch (error) {
        inputNotRecorded(error);
      }
      this.inputLog.recordOutcome(requestId, {
        status: 'logged',
        latency_ms: Date.now() - receivedAt,
      });
      context.outcome?.('logged');
      return { status: LOGGED_STATUS, request_id: requestId };
    }
    const elapsed = (): number => Date.now() - receivedAt;
    // The log's refusal is the answer at once (503), whatever the predictor is doing; an input
    // the log already refuses is not sent to the predictor at all.
    const durable = logged.catch(inputNotRecorded);
    if (!this.inputLog.writable()) await durable;
    const result = await afterDurable(
      durable,
      () =>
        this.predictor.predict(
          body.data,
          {
            requestId,
            deadline: receivedAt + this.deadlineMs,
            ...(context.traceparent ? { traceparent: context.traceparent } : {}),
          },
          choice,
        ),
      { requestId, log: this.inputLog, elapsed },
    );
    this.inputLog.recordOutcome(requestId, {
      status: 'predicted',
      class: result.prediction.class,
      confidence: result.prediction.confidence,
      model: result.prediction.model.name,
      model_version: result.prediction.model.version,
      latency_ms: elapsed(),
    });
    context.outcome?.('predicted');
    return { status: LOGGED_STATUS, model_prediction: result, request_id: requestId };
  }
}

/** The model the body names, or undefined for the predictor's default model. */
function modelChoiceOf(body: ProcessRequestDto): ModelChoice | undefined {
  if (body.model === undefined) return undefined;
  return body.model_version === undefined
    ? { model: body.model }
    : { model: body.model, version: body.model_version };
}
