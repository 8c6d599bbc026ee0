import { Inject, Injectable } from '@nestjs/common';
import { toPredictionResult } from '@ml-system/contracts';
import type { ModelInfo, ModelRef, PredictionResult } from '@ml-system/contracts';
import { MODEL } from '../model/model.port';
import type { ModelOutput, ModelPort } from '../model/model.port';
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
    const outputs = this.score(inputs);
    return outputs.map((output, i) => this.resultOf(output, inputs[i].length));
  }

  predictOne(input: string): PredictionResult {
    return this.resultOf(this.score([input])[0], input.length);
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

  /** One model call, timed and counted. */
  private score(inputs: readonly string[]): ModelOutput[] {
    const started = performance.now();
    const outputs = this.model.predict(inputs);
    const seconds = (performance.now() - started) / 1000;
    // Every caller pairs outputs with inputs by position.
    if (outputs.length !== inputs.length) {
      throw new Error(`the model returned ${outputs.length} outputs for ${inputs.length} inputs`);
    }
    this.metrics.inferenceCompleted(seconds, outputs);
    return outputs;
  }

  private resultOf(output: ModelOutput, inputLength: number): PredictionResult {
    return toPredictionResult({
      class: output.label,
      confidence: round(output.confidence),
      input_length: inputLength,
      model: this.ref,
    });
  }
}
