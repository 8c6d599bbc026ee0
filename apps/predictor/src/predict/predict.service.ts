import { Inject, Injectable } from '@nestjs/common';
import { toPredictionResult } from '@ml-system/contracts';
import type { ModelInfo, ModelRef, PredictionResult } from '@ml-system/contracts';
import { MODEL } from '../model/model.port';
import type { ModelPort } from '../model/model.port';
import { PredictorMetrics } from '../observability/predictor.metrics';

/** Four decimals: enough for a probability, and stable in logs and tests. */
function round(probability: number): number {
  return Math.round(probability * 10_000) / 10_000;
}

/** Turns model outputs into the seed's prediction shape. Transport-agnostic. */
@Injectable()
export class PredictService {
  private readonly ref: ModelRef;

  constructor(
    @Inject(MODEL) private readonly model: ModelPort,
    private readonly metrics: PredictorMetrics,
  ) {
    this.ref = { name: model.name, version: model.version };
  }

  predict(inputs: readonly string[]): PredictionResult[] {
    const started = performance.now();
    const outputs = this.model.predict(inputs);
    this.metrics.inferenceCompleted(
      (performance.now() - started) / 1000,
      outputs.map((output) => output.label),
    );
    return outputs.map((output, i) =>
      toPredictionResult({
        class: output.label,
        confidence: round(output.confidence),
        input_length: inputs[i]?.length ?? 0,
        model: this.ref,
      }),
    );
  }

  predictOne(input: string): PredictionResult {
    const [result] = this.predict([input]);
    if (!result) throw new Error('the model returned no output for one input');
    return result;
  }

  info(): ModelInfo {
    return {
      ...this.ref,
      classes: [...this.model.classes],
      metadata: { ...this.model.metadata },
    };
  }

  modelRef(): ModelRef {
    return this.ref;
  }
}
