import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MAX_INFER_REQUEST_BYTES } from '@ml-system/contracts';
import type { OipInferResponse, OipModelMetadata, OipModelReady } from '@ml-system/contracts';
import { IsoTimeCache, ProblemException } from '@ml-system/server-core';
import type { GatewayEnv } from '../config/gateway.config';
import { inputNotRecorded } from '../input-log/input-log.errors';
import { InputLogWriteService } from '../input-log/input-log-write.service';
import { PredictorClient } from '../predictor-client/predictor-client';
import type { CallContext, ModelChoice } from '../predictor-client/predictor-client';
import { afterDurable } from '../predictor-client/after-durable';
import { toHttpError } from '../predictor-client/to-http-error';

/** What the controller knows of the request it serves. */
export interface InferenceContext {
  requestId: string;
  traceparent?: string;
  /** When the request arrived, epoch ms. */
  receivedAt: number;
  /**
   * The JSON text the body was parsed from, as the client sent it: logged as
   * the input's `data` instead of the body serialized again.
   */
  bodyText?: string;
  /** Told when an infer request succeeded, for its log line. */
  outcome?: () => void;
}

/**
 * The Open Inference Protocol routes of the gateway: forwarded to the
 * predictor over TCP through the same client as `POST /process` (deadline,
 * retries, breakers, endpoint pool, in-flight cap; failures mapped by the one
 * failure table). An infer request is an input like any other: recorded
 * durably before it is answered, its `data` being its JSON body (the text
 * the client sent, when the parser handed it over).
 */
@Injectable()
export class InferenceService {
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

  /**
   * Records the request, forwards it, and answers the model's OIP response.
   * @throws ProblemException: 413 for a body over MAX_INFER_REQUEST_BYTES, 503
   *   when it cannot be recorded, and the predictor's failures as mapped.
   */
  async infer(
    choice: ModelChoice,
    body: Record<string, unknown>,
    context: InferenceContext,
  ): Promise<OipInferResponse> {
    const data = context.bodyText ?? JSON.stringify(body);
    if (Buffer.byteLength(data, 'utf8') > MAX_INFER_REQUEST_BYTES) {
      throw new ProblemException(
        413,
        'PAYLOAD_TOO_LARGE',
        `An infer request may be at most ${MAX_INFER_REQUEST_BYTES} bytes of JSON`,
      );
    }
    const { requestId, receivedAt } = context;
    const logged = this.inputLog.appendInput({
      id: requestId,
      received_at: this.receivedTimes.of(receivedAt),
      data,
      forward_to_model: true,
      model: choice.model,
      ...(choice.version !== undefined && { model_version: choice.version }),
      kind: 'infer',
    });
    const elapsed = (): number => Date.now() - receivedAt;
    // As POST /process: the log's write and the predictor's round trip overlap; nothing is
    // answered before the input is durable, and a log that refuses it is the answer (503).
    const durable = logged.catch(inputNotRecorded);
    if (!this.inputLog.writable()) await durable;
    const response = await afterDurable(
      durable,
      () => this.predictor.infer(choice, body, this.callContext(context)),
      { requestId, log: this.inputLog, elapsed },
    );
    this.inputLog.recordOutcome(requestId, {
      status: 'inferred',
      model: response.model_name,
      model_version: response.model_version ?? '',
      latency_ms: elapsed(),
    });
    context.outcome?.();
    return response;
  }

  /** @throws ProblemException as the predictor's failures map (404 MODEL_NOT_FOUND, 503, 504). */
  async metadata(choice: ModelChoice, context: InferenceContext): Promise<OipModelMetadata> {
    try {
      return await this.predictor.modelMetadata(choice, this.callContext(context));
    } catch (error) {
      throw toHttpError(error);
    }
  }

  /** A known model's readiness; @throws ProblemException as `metadata`. */
  async ready(choice: ModelChoice, context: InferenceContext): Promise<OipModelReady> {
    try {
      return await this.predictor.modelReady(choice, this.callContext(context));
    } catch (error) {
      throw toHttpError(error);
    }
  }

  private callContext(context: InferenceContext): CallContext {
    return {
      requestId: context.requestId,
      deadline: context.receivedAt + this.deadlineMs,
      ...(context.traceparent ? { traceparent: context.traceparent } : {}),
    };
  }
}
