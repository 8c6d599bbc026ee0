import { Inject, Injectable } from '@nestjs/common';
import { toPredictionResult } from '@ml-system/contracts';
import type { ModelInfo, ModelRef, PredictionResult } from '@ml-system/contracts';
import type { ModelRegistry } from '../model/model-registry';
import { MODELS } from '../model/model.module';
import type { ModelOutput, ModelPort } from '../model/model.port';
import { PredictorMetrics } from '../observability/predictor.metrics';

/** Four decimals: enough for a probability, and stable in logs and tests. */
function round(probability: number): number {
  return Math.round(probability * 10_000) / 10_000;
}

/** Which model a request asks for; both unset: the default model's latest ready version. */
export interface ModelChoice {
  model?: string;
  version?: string;
}

/** Turns model outputs into the seed's prediction shape. Transport-agnostic. */
@Injectable()
export class PredictService {
  constructor(
    @Inject(MODELS) private readonly models: ModelRegistry,
    private readonly metrics: PredictorMetrics,
  ) {}

  /**
   * @throws ModelServingError for an unknown or unready model, a full queue,
   *   or a model that takes no text.
   */
  async predict(
    inputs: readonly string[],
    choice: ModelChoice = {},
    deadline?: number,
  ): Promise<PredictionResult[]> {
    const { model, version } = this.models.served(choice.model, choice.version);
    const outputs = await this.metrics.countModelRequest(model.name, version, () =>
      this.score(model, inputs, deadline),
    );
    const ref = this.refOf(model);
    return outputs.map((output, i) => this.resultOf(output, inputs[i].length, ref));
  }

  async predictOne(
    input: string,
    choice: ModelChoice = {},
    deadline?: number,
  ): Promise<PredictionResult> {
    const [result] = await this.predict([input], choice, deadline);
    return result;
  }

  info(choice: ModelChoice = {}): ModelInfo {
    const model = this.models.resolve(choice.model, choice.version);
    return {
      ...this.refOf(model),
      classes: [...model.classes],
      metadata: { ...model.metadata },
    };
  }

  /** The default model's, or null when it has no ready version. */
  modelRef(): ModelRef | null {
    return this.models.isReady() ? this.refOf(this.models.resolve()) : null;
  }

  private refOf(model: ModelPort): ModelRef {
    return { name: model.name, version: model.version };
  }

  /** One model call, timed and counted. */
  private async score(
    model: ModelPort,
    inputs: readonly string[],
    deadline?: number,
  ): Promise<ModelOutput[]> {
    const started = performance.now();
    const outputs = await model.predict(inputs, deadline);
    const seconds = (performance.now() - started) / 1000;
    // Every caller pairs outputs with inputs by position.
    if (outputs.length !== inputs.length) {
      throw new Error(`the model returned ${outputs.length} outputs for ${inputs.length} inputs`);
    }
    this.metrics.inferenceCompleted(seconds, outputs);
    return outputs;
  }

  private resultOf(output: ModelOutput, inputLength: number, model: ModelRef): PredictionResult {
    return toPredictionResult({
      class: output.label,
      confidence: round(output.confidence),
      input_length: inputLength,
      model,
    });
  }
}
