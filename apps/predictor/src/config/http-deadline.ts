import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { PredictorEnv } from './predictor.config';

/**
 * The deadline of a request on the predictor's HTTP face: now plus
 * HTTP_INFER_TIMEOUT_MS. A model that queues drops the request once it has
 * passed (504 DEADLINE_EXCEEDED) instead of running it for nobody.
 */
@Injectable()
export class HttpDeadline {
  private readonly timeoutMs: number;

  constructor(config: ConfigService<PredictorEnv, true>) {
    this.timeoutMs = config.get('HTTP_INFER_TIMEOUT_MS', { infer: true });
  }

  /** Epoch ms. */
  fromNow(): number {
    return Date.now() + this.timeoutMs;
  }
}
