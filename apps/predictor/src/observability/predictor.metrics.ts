import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, METRICS_REGISTRY } from '@ml-system/server-core';

/** The bundled model answers in tens of microseconds; a heavier one may take seconds. */
const INFERENCE_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/**
 * The predictor's own metrics: what the model said and how long it took
 * (whichever face, HTTP or TCP, asked), and how each message ended.
 */
@Injectable()
export class PredictorMetrics {
  private readonly predictions: Counter<'class'>;
  private readonly inference: Histogram;
  private readonly rpcDuration: Histogram<'pattern' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
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

  /** One message was answered (`ok`) or refused with a predictor error code. */
  rpcHandled(pattern: string, outcome: string, seconds: number): void {
    this.rpcDuration.observe({ pattern, outcome }, seconds);
  }
}
