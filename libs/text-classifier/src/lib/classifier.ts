import { ARTIFACT_FORMAT, ISO_TIMESTAMP_PATTERN, SEMVER_PATTERN } from './artifact';
import type {
  ClassifierArtifact,
  ClassifierMetadata,
  ClassMetrics,
  HeldoutMetrics,
} from './artifact';
import { decodeBase64, unpackFloat32, unpackUint32 } from './binary';
import { FeatureHasher, validateFeatureOptions } from './tokenize';
import type { FeatureOptions } from './tokenize';

/** One prediction: the most probable class, its probability, and the whole distribution. */
export interface ClassPrediction {
  label: string;
  /** Probability of `label`, in [0, 1]. */
  confidence: number;
  /** Probability of every class; the values sum to 1. */
  scores: Record<string, number>;
}

const SHA256 = /^[0-9a-f]{64}$/;

class ArtifactError extends Error {
  constructor(message: string) {
    super(`invalid classifier artifact: ${message}`);
    this.name = 'ArtifactError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(obj: Json, key: string, path: string): unknown {
  if (!(key in obj) || obj[key] === undefined)
    throw new ArtifactError(`missing field "${path}${key}"`);
  return obj[key];
}

function object(obj: Json, key: string, path: string): Json {
  const value = field(obj, key, path);
  if (!isObject(value)) throw new ArtifactError(`"${path}${key}" must be an object`);
  return value;
}

function string(obj: Json, key: string, path: string): string {
  const value = field(obj, key, path);
  if (typeof value !== 'string' || value.length === 0)
    throw new ArtifactError(`"${path}${key}" must be a non-empty string`);
  return value;
}

function finite(obj: Json, key: string, path: string): number {
  const value = field(obj, key, path);
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ArtifactError(`"${path}${key}" must be a finite number, got ${String(value)}`);
  return value;
}

function count(obj: Json, key: string, path: string): number {
  const value = finite(obj, key, path);
  if (!Number.isInteger(value) || value < 0)
    throw new ArtifactError(`"${path}${key}" must be a non-negative integer, got ${value}`);
  return value;
}

function boolean(obj: Json, key: string, path: string): boolean {
  const value = field(obj, key, path);
  if (typeof value !== 'boolean') throw new ArtifactError(`"${path}${key}" must be a boolean`);
  return value;
}

function probability(obj: Json, key: string, path: string): number {
  const value = finite(obj, key, path);
  if (value < 0 || value > 1)
    throw new ArtifactError(`"${path}${key}" must be in [0, 1], got ${value}`);
  return value;
}

function checkClassMetrics(raw: unknown, path: string): ClassMetrics {
  if (!isObject(raw)) throw new ArtifactError(`"${path}" must be an object`);
  return {
    precision: probability(raw, 'precision', `${path}.`),
    recall: probability(raw, 'recall', `${path}.`),
    f1: probability(raw, 'f1', `${path}.`),
    support: count(raw, 'support', `${path}.`),
  };
}

function checkHeldout(raw: unknown, classes: readonly string[]): HeldoutMetrics | null {
  if (raw === null) return null;
  if (!isObject(raw)) throw new ArtifactError('"metrics.heldout" must be an object or null');
  const p = 'metrics.heldout.';
  const perClassRaw = object(raw, 'perClass', p);
  const perClass: Record<string, ClassMetrics> = {};
  for (const label of classes)
    perClass[label] = checkClassMetrics(perClassRaw[label], `${p}perClass.${label}`);
  return {
    examples: count(raw, 'examples', p),
    accuracy: probability(raw, 'accuracy', p),
    macroF1: probability(raw, 'macroF1', p),
    logLoss: finite(raw, 'logLoss', p),
    meanConfidence: probability(raw, 'meanConfidence', p),
    perClass,
  };
}

/** Validates every field of `raw` and returns a fully typed copy (weights still encoded). */
function checkArtifact(raw: unknown): ClassifierArtifact {
  if (!isObject(raw)) throw new ArtifactError('expected a JSON object');
  const format = string(raw, 'format', '');
  if (format !== ARTIFACT_FORMAT)
    throw new ArtifactError(
      `unsupported format "${format}" (this library reads "${ARTIFACT_FORMAT}")`,
    );
  const name = string(raw, 'name', '');
  const version = string(raw, 'version', '');
  if (!SEMVER_PATTERN.test(version))
    throw new ArtifactError(`"version" must be a semantic version, got "${version}"`);
  const trainedAt = string(raw, 'trainedAt', '');
  if (!ISO_TIMESTAMP_PATTERN.test(trainedAt) || Number.isNaN(Date.parse(trainedAt)))
    throw new ArtifactError(`"trainedAt" must be an ISO-8601 timestamp, got "${trainedAt}"`);

  const classesRaw = field(raw, 'classes', '');
  if (!Array.isArray(classesRaw) || classesRaw.length < 2)
    throw new ArtifactError('"classes" must be an array of at least two labels');
  const classes = classesRaw.map((c, i) => {
    if (typeof c !== 'string' || c.length === 0)
      throw new ArtifactError(`"classes[${i}]" must be a non-empty string`);
    return c;
  });
  if (new Set(classes).size !== classes.length)
    throw new ArtifactError('"classes" must not repeat a label');

  const corpusRaw = object(raw, 'corpus', '');
  const sha256 = string(corpusRaw, 'sha256', 'corpus.');
  if (!SHA256.test(sha256))
    throw new ArtifactError('"corpus.sha256" must be 64 lower-case hex digits');
  const corpus = {
    sha256,
    trainExamples: count(corpusRaw, 'trainExamples', 'corpus.'),
    heldoutExamples: count(corpusRaw, 'heldoutExamples', 'corpus.'),
    backgroundExamples: count(corpusRaw, 'backgroundExamples', 'corpus.'),
  };

  const metricsRaw = object(raw, 'metrics', '');
  const cvRaw = object(metricsRaw, 'crossValidation', 'metrics.');
  const metrics = {
    heldout: checkHeldout(field(metricsRaw, 'heldout', 'metrics.'), classes),
    crossValidation: {
      folds: count(cvRaw, 'folds', 'metrics.crossValidation.'),
      accuracy: probability(cvRaw, 'accuracy', 'metrics.crossValidation.'),
      logLoss: finite(cvRaw, 'logLoss', 'metrics.crossValidation.'),
      uncalibratedLogLoss: finite(cvRaw, 'uncalibratedLogLoss', 'metrics.crossValidation.'),
    },
  };

  const hpRaw = object(raw, 'hyperParameters', '');
  const alpha = finite(hpRaw, 'alpha', 'hyperParameters.');
  if (alpha <= 0) throw new ArtifactError(`"hyperParameters.alpha" must be > 0, got ${alpha}`);
  const fRaw = object(hpRaw, 'features', 'hyperParameters.');
  const fp = 'hyperParameters.features.';
  const features: FeatureOptions = {
    numBuckets: count(fRaw, 'numBuckets', fp),
    dropStopwords: boolean(fRaw, 'dropStopwords', fp),
    stemWords: boolean(fRaw, 'stemWords', fp),
    unigramWeight: finite(fRaw, 'unigramWeight', fp),
    bigramWeight: finite(fRaw, 'bigramWeight', fp),
    charNgramWeight: finite(fRaw, 'charNgramWeight', fp),
    charNgramMin: count(fRaw, 'charNgramMin', fp),
    charNgramMax: count(fRaw, 'charNgramMax', fp),
  };
  try {
    validateFeatureOptions(features);
  } catch (err) {
    throw new ArtifactError(`"hyperParameters.features": ${(err as Error).message}`);
  }
  const hyperParameters = { alpha, folds: count(hpRaw, 'folds', 'hyperParameters.'), features };

  const calRaw = object(raw, 'calibration', '');
  const method = string(calRaw, 'method', 'calibration.');
  if (method !== 'temperature+background')
    throw new ArtifactError(`unsupported "calibration.method" "${method}"`);
  const temperature = finite(calRaw, 'temperature', 'calibration.');
  if (temperature <= 0)
    throw new ArtifactError(`"calibration.temperature" must be > 0, got ${temperature}`);

  const modelRaw = object(raw, 'model', '');
  const background = boolean(modelRaw, 'background', 'model.');
  const rows = count(modelRaw, 'rows', 'model.');
  if (rows !== classes.length + (background ? 1 : 0)) {
    throw new ArtifactError(
      `"model.rows" is ${rows}, expected ${classes.length + (background ? 1 : 0)} (${classes.length} classes${background ? ' + background' : ''})`,
    );
  }
  const biasRaw = field(modelRaw, 'bias', 'model.');
  if (!Array.isArray(biasRaw) || biasRaw.length !== rows)
    throw new ArtifactError(`"model.bias" must be an array of ${rows} numbers`);
  const bias = biasRaw.map((b, i) => {
    if (typeof b !== 'number' || !Number.isFinite(b))
      throw new ArtifactError(`"model.bias[${i}]" must be a finite number, got ${String(b)}`);
    return b;
  });
  const n = count(modelRaw, 'count', 'model.');
  return {
    format: ARTIFACT_FORMAT,
    name,
    version,
    classes,
    trainedAt,
    corpus,
    metrics,
    hyperParameters,
    calibration: { method, temperature },
    model: {
      rows,
      background,
      bias,
      count: n,
      buckets: string(modelRaw, 'buckets', 'model.'),
      weights: string(modelRaw, 'weights', 'model.'),
    },
  };
}

/**
 * A trained naive Bayes text classifier over hashed word and character n-gram features.
 *
 * Weights stay as the artifact packs them, one row block per bucket that training saw
 * (`[slot * rows + row]`), found through a dense bucket → slot array, so scoring a text is a
 * single pass over its features with no hashing table and no per-feature allocation. A bucket no
 * training text reached has no slot: its weights are all 0 and it adds nothing to any score.
 * Why not one dense weights table: the bundled model fills 22k of its 262,144 buckets, and a
 * dense table held 6 MiB of every predictor's memory for ~0.5 MiB of weights (issue #18).
 */
export class TextClassifier {
  private readonly meta: ClassifierMetadata;
  private readonly labels: readonly string[];
  private readonly hasher: FeatureHasher;
  /** Bucket → 1 + its slot in `weights`; 0: no weights (the bucket is all zeros). */
  private readonly slots: Uint32Array;
  /** The trained buckets' weights, `[slot * rows + row]`. */
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;
  private readonly rows: number;
  private readonly background: boolean;
  private readonly invTemperature: number;
  /** Class prior (normalised over the real classes) used to hand back the background's mass. */
  private readonly prior: Float64Array;
  private readonly z: Float64Array;

  private constructor(artifact: ClassifierArtifact, buckets: Uint32Array, weights: Float32Array) {
    const { model, ...meta } = artifact;
    this.meta = deepFreeze(structuredClone(meta));
    this.labels = this.meta.classes;
    this.hasher = new FeatureHasher(meta.hyperParameters.features);
    this.rows = model.rows;
    this.background = model.background;
    this.bias = Float64Array.from(model.bias);
    this.invTemperature = 1 / meta.calibration.temperature;
    this.weights = weights;
    this.slots = new Uint32Array(meta.hyperParameters.features.numBuckets);
    for (let i = 0; i < buckets.length; i++) this.slots[buckets[i] ?? 0] = i + 1;
    const k = this.labels.length;
    this.prior = new Float64Array(k);
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, this.bias[c] ?? 0);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += this.prior[c] = Math.exp((this.bias[c] ?? 0) - max);
    for (let c = 0; c < k; c++) this.prior[c] = (this.prior[c] ?? 0) / sum;
    this.z = new Float64Array(this.rows);
  }

  /**
   * Builds a classifier from a parsed artifact (e.g. `JSON.parse` of the file). Validates the whole
   * shape first and throws an Error naming the offending field on anything wrong: missing fields,
   * another format version, vectors of the wrong length, NaN or infinite numbers.
   */
  static fromArtifact(raw: unknown): TextClassifier {
    const artifact = checkArtifact(raw);
    const { rows, count: n, background } = artifact.model;
    const buckets = unpack(unpackUint32, artifact.model.buckets, 'model.buckets');
    if (buckets.length !== n)
      throw new ArtifactError(
        `"model.buckets" holds ${buckets.length} buckets, expected ${n} ("model.count")`,
      );
    const numBuckets = artifact.hyperParameters.features.numBuckets;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i] ?? 0;
      if (b >= numBuckets)
        throw new ArtifactError(
          `"model.buckets[${i}]" = ${b} is outside the ${numBuckets}-bucket feature space`,
        );
      if (i > 0 && b <= (buckets[i - 1] ?? 0))
        throw new ArtifactError(`"model.buckets" must be strictly ascending (at index ${i})`);
    }
    const weights = unpack(unpackFloat32, artifact.model.weights, 'model.weights');
    if (weights.length !== n * rows) {
      throw new ArtifactError(
        `"model.weights" holds ${weights.length} values, expected ${n * rows} (${n} buckets × ${rows} rows${background ? ', background included' : ''})`,
      );
    }
    for (let i = 0; i < weights.length; i++) {
      if (!Number.isFinite(weights[i]))
        throw new ArtifactError(`"model.weights[${i}]" is not a finite number`);
    }
    return new TextClassifier(artifact, buckets, weights);
  }

  /** Model name, e.g. "animal-text-nb". */
  get name(): string {
    return this.meta.name;
  }

  /** Model version (semver). */
  get version(): string {
    return this.meta.version;
  }

  /** Class labels, in the artifact's order. */
  get classes(): readonly string[] {
    return this.labels;
  }

  /** Everything in the artifact except the weights (frozen). */
  get metadata(): ClassifierMetadata {
    return this.meta;
  }

  /** Classifies each text. Deterministic: the same text always gets the same, bit-identical answer. */
  predict(texts: readonly string[]): ClassPrediction[] {
    const out: ClassPrediction[] = new Array<ClassPrediction>(texts.length);
    for (let i = 0; i < texts.length; i++) out[i] = this.predictOne(texts[i] ?? '');
    return out;
  }

  private predictOne(text: string): ClassPrediction {
    const rows = this.rows;
    const z = this.z;
    const slots = this.slots;
    const weights = this.weights;
    z.set(this.bias);
    const n = this.hasher.extract(text);
    const buckets = this.hasher.buckets;
    const values = this.hasher.values;
    for (let i = 0; i < n; i++) {
      const slot = slots[buckets[i] ?? 0] ?? 0;
      // Untrained bucket: every weight 0, so adding it would change no score.
      if (slot === 0) continue;
      const base = (slot - 1) * rows;
      const v = values[i] ?? 0;
      for (let r = 0; r < rows; r++) z[r] = (z[r] ?? 0) + v * (weights[base + r] ?? 0);
    }
    // Temperature-scaled softmax over classes (+ background row).
    let max = -Infinity;
    for (let r = 0; r < rows; r++) max = Math.max(max, z[r] ?? 0);
    let sum = 0;
    for (let r = 0; r < rows; r++)
      sum += z[r] = Math.exp(((z[r] ?? 0) - max) * this.invTemperature);
    const k = this.labels.length;
    // The background row is the probability that the text is about none of the classes; that mass
    // carries no preference, so it goes back to the classes in proportion to their prior. Text with
    // no cue therefore ends up close to the prior (near uniform), instead of being forced to pick.
    const backgroundMass = this.background ? (z[k] ?? 0) / sum : 0;
    const scores: Record<string, number> = {};
    let best = 0;
    let bestP = -1;
    for (let c = 0; c < k; c++) {
      const p = (z[c] ?? 0) / sum + backgroundMass * (this.prior[c] ?? 0);
      scores[this.labels[c] ?? ''] = p;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    return { label: this.labels[best] ?? '', confidence: bestP, scores };
  }
}

function unpack<T>(unpacker: (bytes: Uint8Array) => T, base64: string, path: string): T {
  try {
    return unpacker(decodeBase64(base64));
  } catch (err) {
    throw new ArtifactError(`"${path}" is not valid packed data (${(err as Error).message})`);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
