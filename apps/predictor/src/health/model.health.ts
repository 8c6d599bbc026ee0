import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { MODEL } from '../model/model.port';
import type { ModelPort } from '../model/model.port';

/**
 * Up when a model answers: a real prediction on a fixed probe text, not just
 * "an object is loaded", so a model that throws or returns garbage reads down.
 */
@Injectable()
export class ModelHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(MODEL) private readonly model: ModelPort,
  ) {}

  check(key = 'model'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    try {
      const [output] = this.model.predict(['health probe']);
      if (!output || !Number.isFinite(output.confidence)) {
        return indicator.down({ reason: 'the model returned no usable output' });
      }
      return indicator.up({ name: this.model.name, version: this.model.version });
    } catch {
      return indicator.down({ reason: 'the model failed on the probe text' });
    }
  }
}
