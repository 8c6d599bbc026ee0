import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TextClassifier } from '@ml-system/text-classifier';
import type { ModelOutput, ModelPort } from './model.port';

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

/** The bundled implementation of the port: the trained text classifier. */
export class TextClassifierModel implements ModelPort {
  private constructor(
    private readonly classifier: TextClassifier,
    readonly source: string,
  ) {}

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

  predict(inputs: readonly string[]): ModelOutput[] {
    return this.classifier.predict(inputs).map(({ label, confidence }) => ({ label, confidence }));
  }
}
