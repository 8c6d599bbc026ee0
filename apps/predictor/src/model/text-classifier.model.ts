import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TextClassifier } from '@ml-system/text-classifier';
import { ModelServingError } from './model-errors';
import type { ModelOutput, ModelPort, TensorSpec } from './model.port';
import type { Tensor } from './tensors';

export const BUNDLED_MODEL_FILE = 'animal-text-nb.json';

/** The artifact shipped with the build (dist) or with the sources (tests, tools). */
export function bundledModelPath(): string {
  const candidates = [
    join(__dirname, 'assets', 'model', BUNDLED_MODEL_FILE),
    join(__dirname, '..', '..', 'assets', 'model', BUNDLED_MODEL_FILE),
  ];
  return candidates.find((path) => existsSync(path)) ?? candidates[0];
}

/** The model could not be loaded; the message says which file and why. */
export class ModelLoadError extends Error {
  constructor(path: string, reason: string) {
    super(`Cannot load the model from ${path}: ${reason}`);
    this.name = 'ModelLoadError';
  }
}

/**
 * The project's own artifact (the bundled `animal-text-nb`): a naive-Bayes
 * text classifier that answers in microseconds, on the event loop. It
 * reports the artifact's own version (`1.0.0`), as the seed did.
 */
export class TextClassifierModel implements ModelPort {
  readonly platform = 'ml-system_naive_bayes';
  readonly inputs: readonly TensorSpec[] = [{ name: 'text', datatype: 'BYTES', shape: [-1] }];
  readonly outputs: readonly TensorSpec[];

  private constructor(
    private readonly classifier: TextClassifier,
    readonly source: string,
  ) {
    this.outputs = [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, classifier.classes.length] },
    ];
  }

  /** @throws ModelLoadError when the file is missing, not JSON, or not a valid artifact. */
  static load(path: string): TextClassifierModel {
    const absolute = resolve(path);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(absolute, 'utf8'));
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'the file does not exist'
          : error instanceof SyntaxError
            ? 'the file is not valid JSON'
            : (error as Error).message;
      throw new ModelLoadError(absolute, reason);
    }
    try {
      return new TextClassifierModel(TextClassifier.fromArtifact(raw), absolute);
    } catch (error) {
      throw new ModelLoadError(absolute, (error as Error).message);
    }
  }

  get name(): string {
    return this.classifier.name;
  }

  get version(): string {
    return this.classifier.version;
  }

  get classes(): readonly string[] {
    return this.classifier.classes;
  }

  get metadata(): Readonly<Record<string, unknown>> {
    return this.classifier.metadata;
  }

  predict(inputs: readonly string[]): Promise<ModelOutput[]> {
    return Promise.resolve(this.predictNow(inputs));
  }

  /** The same, synchronously: the health probe and the seed's paths need no promise for it. */
  predictNow(inputs: readonly string[]): ModelOutput[] {
    return this.classifier.predict(inputs).map(({ label, confidence }) => ({ label, confidence }));
  }

  infer(inputs: ReadonlyMap<string, Tensor>, outputs?: readonly string[]): Promise<Tensor[]> {
    const text = inputs.get('text');
    if (!text || text.dims.length !== 1 || text.dims[0] === 0) {
      return Promise.reject(
        new ModelServingError('INVALID_INPUT', 'input "text" must hold at least one text'),
      );
    }
    const texts = text.data as string[];
    const predictions = this.classifier.predict(texts);
    const classes = this.classifier.classes;
    const all: Tensor[] = [
      {
        name: 'label',
        type: 'string',
        dims: [texts.length],
        data: predictions.map((p) => p.label),
      },
      {
        name: 'probabilities',
        type: 'float32',
        dims: [texts.length, classes.length],
        data: Float32Array.from(predictions.flatMap((p) => classes.map((c) => p.scores[c] ?? 0))),
      },
    ];
    return Promise.resolve(outputs ? all.filter((t) => outputs.includes(t.name)) : all);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
