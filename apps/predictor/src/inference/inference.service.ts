import { Inject, Injectable } from '@nestjs/common';
import { LifecycleService } from '@ml-system/server-core';
import type {
  OipInferResponseSchema,
  OipModelMetadataSchema,
  OipModelReadySchema,
} from '@ml-system/server-core';
import type { ModelRegistry } from '../model/model-registry';
import { MODELS } from '../model/model.module';
import type { ModelPort } from '../model/model.port';
import { ModelServingError } from '../model/model-errors';
import { ORT_TO_OIP, checkInferInputs, jsonData } from '../model/tensors';
import { PredictorMetrics } from '../observability/predictor.metrics';
import { parseInferRequest } from './infer-request';

/**
 * The Open Inference Protocol's model operations, transport-agnostic: the
 * predictor's HTTP routes and its TCP message handlers (what the gateway
 * forwards) both answer through this one service, so both faces give the
 * same answers and the same errors (ModelServingError, OnnxRunError).
 */
@Injectable()
export class InferenceService {
  constructor(
    @Inject(MODELS) private readonly models: ModelRegistry,
    private readonly lifecycle: LifecycleService,
    private readonly metrics: PredictorMetrics,
  ) {}

  /** @throws ModelServingError MODEL_NOT_FOUND, MODEL_NOT_READY. */
  metadata(name: string, version?: string): OipModelMetadataSchema {
    const versions = this.models.versionsOf(name);
    const { model } = this.models.served(name, version);
    return {
      name,
      versions: version === undefined ? versions : [version],
      platform: model.platform,
      inputs: model.inputs.map((t) => ({ ...t })),
      outputs: model.outputs.map((t) => ({ ...t })),
    };
  }

  /** A known model's readiness (not ready is an answer); @throws ModelServingError MODEL_NOT_FOUND. */
  readiness(name: string, version?: string): OipModelReadySchema {
    const state = this.models.stateOf(name, version);
    return { name, ...(version !== undefined && { version }), ready: state.state === 'READY' };
  }

  /**
   * Runs an OIP infer request body on the model version it names. `deadline`
   * (epoch ms, the TCP message's): a batched request past it is dropped before the run.
   * @throws ModelServingError (unknown model, not ready, bad tensors), OnnxRunError.
   */
  async infer(
    body: unknown,
    name: string,
    version?: string,
    deadline?: number,
  ): Promise<OipInferResponseSchema> {
    if (this.lifecycle.draining) {
      throw new ModelServingError('MODEL_NOT_READY', 'the predictor is shutting down');
    }
    const served = this.models.served(name, version);
    return this.metrics.countModelRequest(name, served.version, () =>
      this.inferOn(name, served.model, served.version, body, deadline),
    );
  }

  private async inferOn(
    name: string,
    model: ModelPort,
    modelVersion: string,
    body: unknown,
    deadline: number | undefined,
  ): Promise<OipInferResponseSchema> {
    const request = parseInferRequest(body);
    if (request.outputs) {
      const known = new Set(model.outputs.map((o) => o.name));
      const unknown = request.outputs.filter((o) => !known.has(o));
      if (unknown.length > 0) {
        throw new ModelServingError(
          'INVALID_INPUT',
          `unknown output(s) ${unknown.join(', ')}: the model gives ${[...known].join(', ')}`,
        );
      }
    }
    const inputs = checkInferInputs(model.inputs, request.inputs);
    const outputs = await model.infer(inputs, request.outputs, deadline);
    return {
      model_name: name,
      model_version: modelVersion,
      ...(request.id !== undefined && { id: request.id }),
      outputs: outputs.map((tensor) => ({
        name: tensor.name,
        datatype: ORT_TO_OIP[tensor.type],
        shape: tensor.dims,
        data: jsonData(tensor),
      })),
    };
  }
}
