import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, METRICS_REGISTRY } from '@ml-system/server-core';

/** The bundled model answers in tens of microseconds; a heavier one may take seconds. */
const INFERENCE_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/** Inputs in one model run. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** One version of a model, and its state, as the registry lists them. */
export interface ModelStateEntry {
  name: string;
  version: string;
  state: string;
}

const MODEL_STATES = ['READY', 'LOADING', 'UNAVAILABLE'];

/**
 * The predictor's own metrics: what the model said and how long it took
 * (whichever face, HTTP or TCP, asked), and how each message ended.
 */
@Injectable()
export class PredictorMetrics {
  private readonly predictions: Counter<'class'>;
  private readonly inference: Histogram;
  private readonly rpcDuration: Histogram<'pattern' | 'outcome'>;
  private readonly modelRequests: Counter<'model' | 'version' | 'outcome'>;
  private readonly runDuration: Histogram<'model' | 'version'>;
  private readonly modelQueue: Histogram<'model' | 'version'>;
  private readonly modelBatch: Histogram<'model' | 'version'>;
  private modelStates: () => readonly ModelStateEntry[] = () => [];

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.modelRequests = new Counter({
      name: 'model_requests_total',
      help: 'Requests a model version answered (ok) or refused (an error code), by model and version',
      labelNames: ['model', 'version', 'outcome'],
      registers,
    });
    this.runDuration = new Histogram({
      name: 'model_run_duration_seconds',
      help: "One onnxruntime session run in a model version's worker; seconds",
      labelNames: ['model', 'version'],
      buckets: INFERENCE_BUCKETS,
      registers,
    });
    this.modelQueue = new Histogram({
      name: 'model_queue_duration_seconds',
      help: "Time a run waited for its model version's worker (posted to started, and the way back); seconds",
      labelNames: ['model', 'version'],
      buckets: INFERENCE_BUCKETS,
      registers,
    });
    this.modelBatch = new Histogram({
      name: 'model_batch_size',
      help: 'Rows (texts, or the first dimension of the inputs) in one session run',
      labelNames: ['model', 'version'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    const states = (): readonly ModelStateEntry[] => this.modelStates();
    new Gauge({
      name: 'model_version_state',
      help: 'Load state of each model version: 1 for its current state (READY, LOADING, UNAVAILABLE), 0 for the others',
      labelNames: ['model', 'version', 'state'],
      registers,
      collect() {
        this.reset();
        for (const entry of states()) {
          for (const state of MODEL_STATES) {
            this.set(
              { model: entry.name, version: entry.version, state },
              entry.state === state ? 1 : 0,
            );
          }
        }
      },
    });
    this.predictions = new Counter({
      name: 'predictions_total',
      help: 'Predictions served, by predicted class',
      labelNames: ['class'],
      registers,
    });
    this.inference = new Histogram({
      name: 'model_inference_duration_seconds',
      help: 'Time the model took for one call (one input, or one batch); seconds',
      buckets: INFERENCE_BUCKETS,
      registers,
    });
    this.rpcDuration = new Histogram({
      name: 'rpc_server_duration_seconds',
      help: 'TCP messages handled, by message pattern and outcome; seconds from receipt to reply',
      labelNames: ['pattern', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** One model call took `seconds` and predicted `outputs` (one per input). */
  inferenceCompleted(seconds: number, outputs: readonly { label: string }[]): void {
    this.inference.observe(seconds);
    if (outputs.length === 1) {
      this.predictions.inc({ class: outputs[0].label });
      return;
    }
    // A batch repeats a handful of classes: one labelled increment per class, not per input.
    const counts = new Map<string, number>();
    for (const { label } of outputs) counts.set(label, (counts.get(label) ?? 0) + 1);
    for (const [label, count] of counts) this.predictions.inc({ class: label }, count);
  }

  /** Where `model_version_state` reads the versions and their states. */
  trackModelStates(read: () => readonly ModelStateEntry[]): void {
    this.modelStates = read;
  }

  /** One request to a model version ended: `ok`, or the error code it was refused with. */
  modelRequest(model: string, version: string, outcome: string): void {
    this.modelRequests.inc({ model, version, outcome });
  }

  /**
   * Runs one request to a resolved model version and counts how it ended.
   * Only resolved versions are labels: a name a client made up never is.
   */
  async countModelRequest<T>(model: string, version: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.modelRequest(model, version, 'ok');
      return result;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      this.modelRequest(model, version, typeof code === 'string' ? code : 'INTERNAL');
      throw error;
    }
  }

  /** One session run of a model version: its duration in the worker, its wait, its rows. */
  modelRun(
    model: string,
    version: string,
    runSeconds: number,
    queueSeconds: number,
    rows: number,
  ): void {
    const labels = { model, version };
    this.runDuration.observe(labels, runSeconds);
    this.modelQueue.observe(labels, Math.max(0, queueSeconds));
    this.modelBatch.observe(labels, rows);
  }

  /** One message was answered (`ok`) or refused with a predictor error code. */
  rpcHandled(pattern: string, outcome: string, seconds: number): void {
    this.rpcDuration.observe({ pattern, outcome }, seconds);
  }
}
