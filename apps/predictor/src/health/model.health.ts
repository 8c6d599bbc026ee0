import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { ModelRegistry } from '../model/model-registry';
import { MODELS } from '../model/model.module';

/**
 * Up when the default model answers: a real prediction on a fixed probe
 * text (for a text model), not just "an object is loaded", so a model that
 * throws or returns garbage reads down. The predictor is ready when its
 * default model is.
 */
@Injectable()
export class ModelHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(MODELS) private readonly models: ModelRegistry,
  ) {}

  async check(key = 'model'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    if (!this.models.isReady()) {
      return indicator.down({
        reason: `the default model ${this.models.defaultName} is not ready`,
      });
    }
    const model = this.models.resolve();
    if (model.classes.length === 0)
      return indicator.up({ name: model.name, version: model.version });
    try {
      const [output] = await model.predict(['health probe']);
      if (!output || !Number.isFinite(output.confidence)) {
        return indicator.down({ reason: 'the model returned no usable output' });
      }
      return indicator.up({ name: model.name, version: model.version });
    } catch {
      return indicator.down({ reason: 'the model failed on the probe text' });
    }
  }
}
