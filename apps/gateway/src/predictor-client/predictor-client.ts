import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ClientTCP } from '@nestjs/microservices';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { PREDICTOR_PATTERNS, isPredictorError } from '@ml-system/contracts';
import type {
  PredictionResult,
  PredictorHealthReply,
  PredictorPattern,
  RpcEnvelope,
} from '@ml-system/contracts';
import { parseEndpoints } from '../config/gateway.config';
import { RpcClientTelemetry, rpcOutcomeOf } from '../observability/rpc-client.telemetry';
import type { Endpoint, GatewayEnv } from '../config/gateway.config';
import {
  PredictorTimeoutError,
  PredictorUnavailableError,
  describeTransportError,
} from './predictor.errors';

/** What a caller knows about the request it is serving. */
export interface CallContext {
  requestId: string;
  traceparent?: string;
  /** Absolute deadline, epoch ms. */
  deadline: number;
}

interface EndpointClient {
  endpoint: Endpoint;
  client: ClientTCP;
}

/**
 * The gateway's only door to the predictor: the only code that holds a
 * `ClientProxy`. Every call carries `{payload, meta}` with the request's
 * absolute deadline, is bounded by the per-attempt timeout and the deadline,
 * and fails with a marked error (`PredictorUnavailableError`,
 * `PredictorTimeoutError`) or the predictor's own `{code, message}`.
 */
@Injectable()
export class PredictorClient implements OnApplicationShutdown {
  private readonly logger = new Logger(PredictorClient.name);
  private readonly endpoints: EndpointClient[];
  private readonly attemptTimeoutMs: number;
  private cursor = 0;

  constructor(
    config: ConfigService<GatewayEnv, true>,
    private readonly telemetry: RpcClientTelemetry,
  ) {
    this.attemptTimeoutMs = config.get('PREDICTOR_TIMEOUT_MS', { infer: true });
    this.endpoints = parseEndpoints(config.get('PREDICTOR_ENDPOINTS', { infer: true })).map(
      (endpoint) => ({ endpoint, client: new ClientTCP({ host: endpoint.host, port: endpoint.port }) }),
    );
  }

  /**
   * Classifies one text.
   * @throws PredictorUnavailableError, PredictorTimeoutError, or a PredictorError from the predictor.
   */
  predict(input: string, context: CallContext): Promise<PredictionResult> {
    return this.call<PredictionResult>(PREDICTOR_PATTERNS.predict, { input }, context);
  }

  /** A real round trip through the predictor's message handler. */
  health(context: CallContext): Promise<PredictorHealthReply> {
    return this.call<PredictorHealthReply>(PREDICTOR_PATTERNS.health, {}, context);
  }

  describeEndpoints(): string[] {
    return this.endpoints.map(({ endpoint }) => `${endpoint.host}:${endpoint.port}`);
  }

  onApplicationShutdown(): void {
    for (const { client } of this.endpoints) client.close();
  }

  private pick(): EndpointClient {
    const chosen = this.endpoints[this.cursor % this.endpoints.length];
    this.cursor = (this.cursor + 1) % this.endpoints.length;
    if (!chosen) throw new PredictorUnavailableError('no predictor endpoint configured');
    return chosen;
  }

  private async call<T>(pattern: PredictorPattern, payload: object, context: CallContext): Promise<T> {
    const remaining = context.deadline - Date.now();
    if (remaining <= 0) throw new PredictorTimeoutError(0);
    const budget = Math.min(this.attemptTimeoutMs, remaining);
    const { client, endpoint } = this.pick();
    // The attempt's span is the parent of the predictor's: its traceparent goes in the meta.
    const attempt = this.telemetry.start(pattern, `${endpoint.host}:${endpoint.port}`, context.traceparent);
    const message: RpcEnvelope<object> = {
      payload,
      meta: { request_id: context.requestId, deadline: context.deadline, traceparent: attempt.traceparent },
    };
    try {
      const reply = await firstValueFrom(client.send<T>(pattern, message).pipe(timeout({ first: budget })));
      attempt.end('ok');
      return reply;
    } catch (error) {
      attempt.end(rpcOutcomeOf(error));
      if (error instanceof TimeoutError) throw new PredictorTimeoutError(budget);
      if (isPredictorError(error)) throw error;
      const reason = describeTransportError(error);
      this.logger.debug(`${pattern} to ${endpoint.host}:${endpoint.port} failed: ${reason}`);
      throw new PredictorUnavailableError(reason);
    }
  }
}
