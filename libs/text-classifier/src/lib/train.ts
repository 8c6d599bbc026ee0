/**
 * Deterministic training of a multinomial naive Bayes classifier with calibrated probabilities.
 *
 * Model: for every hashed feature f and row r (each class, plus an optional background row),
 * w[f][r] = log((n[f][r] + alpha) / (N[r] + alpha * V)), centred over rows (a per-feature constant
 * never changes a softmax, and centring makes "0" mean "no evidence", which is exactly what a bucket
 * absent from the artifact gets). Features are weighted by kind (see FeatureOptions).
 *
 * Calibration, and why: naive Bayes multiplies dozens of strongly correlated features (every
 * character n-gram of a word re-counts that word), so its raw posteriors are absurdly sharp. Two
 * things fix that, both fitted rather than hand-set:
 *  1. A background row trained on texts about none of the classes. At prediction time its
 *     probability ("this text has no cue") is handed back to the classes in proportion to their
 *     prior, so text without real evidence lands near uniform instead of being forced to choose.
 *     Generic words ("week", "car", "clean") also appear in the background, which stops them from
 *     acting as strong class cues.
 *  2. A temperature T dividing all scores, chosen on out-of-fold predictions (k-fold over the
 *     training corpus and the background) to minimise: the log-loss of the true class for labelled
 *     texts + the KL divergence from uniform for background texts (outlier exposure).
 * Everything iterates in a fixed order with fixed rounding (6 significant digits), so the same
 * corpus and options always give a byte-identical artifact.
 */
import { ARTIFACT_FORMAT, ISO_TIMESTAMP_PATTERN, SEMVER_PATTERN } from './artifact';
import type { ClassifierArtifact, HeldoutMetrics } from './artifact';
import { encodeBase64, packFloat32, packUint32, roundSignificant } from './binary';
import { TextClassifier } from './classifier';
import type { LabelledExample } from './corpus';
import { evaluate } from './evaluate';
import { DEFAULT_FEATURE_OPTIONS, FeatureHasher, validateFeatureOptions } from './tokenize';
import type { FeatureOptions } from './tokenize';

/** Default additive smoothing, chosen on the bundled corpus (see README.md: flat between 0.1 and 0.4). */
export const DEFAULT_ALPHA = 0.2;
/** Default number of folds for fitting the temperature. */
export const DEFAULT_FOLDS = 5;

/** Inputs to `trainNaiveBayes` besides the training examples. */
export interface TrainOptions {
  /** Model name recorded in the artifact, e.g. "animal-text-nb". */
  name: string;
  /** Semantic version recorded in the artifact. */
  version: string;
  /** ISO-8601 timestamp to record; pass something derived from the corpus, not the clock. */
  trainedAt: string;
  /** sha256 (hex) of the corpus bytes, computed by the caller. */
  corpusSha256: string;
  /** Class order; defaults to the order in which labels first appear in the examples. */
  classes?: readonly string[];
  /** Texts about none of the classes (the background row); strongly recommended for calibration. */
  background?: readonly string[];
  /** Held-out examples to evaluate the final model on; recorded in `metrics.heldout`. */
  heldout?: readonly LabelledExample[];
  alpha?: number;
  folds?: number;
  features?: Partial<FeatureOptions>;
}

interface Doc {
  row: number;
  buckets: Int32Array;
  values: Float32Array;
}

interface Counts {
  /** Bucket -> per-row weighted count. */
  counts: Map<number, Float64Array>;
  totals: Float64Array;
  docs: Float64Array;
}

interface Fitted {
  buckets: number[];
  weights: Map<number, Float64Array>;
  bias: Float64Array;
}

const LOG_T_MIN = -3;
const LOG_T_MAX = 4;
const LOG_T_STEP = 0.01;

function countDocs(docs: readonly Doc[], rows: number): Counts {
  const counts = new Map<number, Float64Array>();
  const totals = new Float64Array(rows);
  const docCounts = new Float64Array(rows);
  for (const doc of docs) {
    docCounts[doc.row] = (docCounts[doc.row] ?? 0) + 1;
    for (let i = 0; i < doc.buckets.length; i++) {
      const b = doc.buckets[i] ?? 0;
      const v = doc.values[i] ?? 0;
      let row = counts.get(b);
      if (row === undefined) {
        row = new Float64Array(rows);
        counts.set(b, row);
      }
      row[doc.row] = (row[doc.row] ?? 0) + v;
      totals[doc.row] = (totals[doc.row] ?? 0) + v;
    }
  }
  return { counts, totals, docs: docCounts };
}

function fitModel(docs: readonly Doc[], rows: number, alpha: number): Fitted {
  const { counts, totals, docs: docCounts } = countDocs(docs, rows);
  const buckets = [...counts.keys()].sort((a, b) => a - b);
  const vocabulary = buckets.length;
  const logDenominator = Array.from(totals, (t) => Math.log(t + alpha * vocabulary));
  const weights = new Map<number, Float64Array>();
  for (const b of buckets) {
    const n = counts.get(b) ?? new Float64Array(rows);
    const w = new Float64Array(rows);
    let mean = 0;
    for (let r = 0; r < rows; r++) {
      w[r] = Math.log((n[r] ?? 0) + alpha) - (logDenominator[r] ?? 0);
      mean += (w[r] ?? 0) / rows;
    }
    for (let r = 0; r < rows; r++) w[r] = (w[r] ?? 0) - mean;
    weights.set(b, w);
  }
  const total = docs.length;
  const bias = Float64Array.from(docCounts, (d) => Math.log(d / total));
  return { buckets, weights, bias };
}

function rawScores(model: Fitted, doc: Doc, rows: number): Float64Array {
  const z = Float64Array.from(model.bias);
  for (let i = 0; i < doc.buckets.length; i++) {
    const w = model.weights.get(doc.buckets[i] ?? 0);
    if (w === undefined) continue;
    const v = doc.values[i] ?? 0;
    for (let r = 0; r < rows; r++) z[r] = (z[r] ?? 0) + v * (w[r] ?? 0);
  }
  return z;
}

/** Class probabilities from raw scores, exactly as TextClassifier computes them. */
function calibrated(
  z: Float64Array,
  temperature: number,
  classes: number,
  prior: Float64Array,
): Float64Array {
  const rows = z.length;
  let max = -Infinity;
  for (let r = 0; r < rows; r++) max = Math.max(max, z[r] ?? 0);
  const e = new Float64Array(rows);
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += e[r] = Math.exp(((z[r] ?? 0) - max) / temperature);
  const backgroundMass = rows > classes ? (e[classes] ?? 0) / sum : 0;
  const p = new Float64Array(classes);
  for (let c = 0; c < classes; c++) p[c] = (e[c] ?? 0) / sum + backgroundMass * (prior[c] ?? 0);
  return p;
}

function classPrior(bias: Float64Array, classes: number): Float64Array {
  const prior = new Float64Array(classes);
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, bias[c] ?? 0);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += prior[c] = Math.exp((bias[c] ?? 0) - max);
  for (let c = 0; c < classes; c++) prior[c] = (prior[c] ?? 0) / sum;
  return prior;
}

/** Calibration loss of one out-of-fold prediction: true-class NLL, or KL(uniform || p) for background. */
function loss(p: Float64Array, row: number, classes: number): number {
  if (row < classes) return -Math.log(Math.max(p[row] ?? 0, 1e-300));
  let kl = 0;
  for (let c = 0; c < classes; c++) kl -= Math.log(Math.max(p[c] ?? 0, 1e-300)) / classes;
  return kl - Math.log(classes);
}

function checkOptions(options: TrainOptions, alpha: number, folds: number): void {
  if (typeof options.name !== 'string' || options.name.length === 0)
    throw new Error('name must be a non-empty string');
  if (!SEMVER_PATTERN.test(options.version))
    throw new Error(`version must be semver, got "${options.version}"`);
  if (!ISO_TIMESTAMP_PATTERN.test(options.trainedAt) || Number.isNaN(Date.parse(options.trainedAt)))
    throw new Error(`trainedAt must be an ISO-8601 timestamp, got "${options.trainedAt}"`);
  if (!/^[0-9a-f]{64}$/.test(options.corpusSha256))
    throw new Error('corpusSha256 must be 64 lower-case hex digits');
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new Error(`alpha must be a finite number > 0, got ${alpha}`);
  if (!Number.isInteger(folds) || folds < 2)
    throw new Error(`folds must be an integer >= 2, got ${folds}`);
}

const r6 = (x: number): number => roundSignificant(x, 6);

/**
 * Trains a naive Bayes classifier on `examples` and returns its artifact, with the temperature
 * fitted by k-fold cross-validation and, when `heldout` is given, held-out metrics. Pure and
 * deterministic: no clock, no randomness; identical inputs give an identical `JSON.stringify`.
 */
export function trainNaiveBayes(
  examples: readonly LabelledExample[],
  options: TrainOptions,
): ClassifierArtifact {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const folds = options.folds ?? DEFAULT_FOLDS;
  checkOptions(options, alpha, folds);
  const features: FeatureOptions = { ...DEFAULT_FEATURE_OPTIONS, ...options.features };
  validateFeatureOptions(features);

  const classes = options.classes
    ? [...options.classes]
    : [...new Set(examples.map((e) => e.label))];
  if (classes.length < 2) throw new Error('need at least two classes');
  if (new Set(classes).size !== classes.length) throw new Error('classes must not repeat a label');
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const background = options.background ?? [];
  const k = classes.length;
  const rows = k + (background.length > 0 ? 1 : 0);

  const hasher = new FeatureHasher(features);
  const toDoc = (text: string, row: number): Doc => {
    const n = hasher.extract(text);
    return { row, buckets: hasher.buckets.slice(0, n), values: hasher.values.slice(0, n) };
  };
  const docs: Doc[] = examples.map((e, i) => {
    const row = classIndex.get(e.label);
    if (row === undefined)
      throw new Error(`example ${i} has label "${e.label}", not one of ${classes.join(', ')}`);
    if (typeof e.text !== 'string') throw new Error(`example ${i} has no text`);
    return toDoc(e.text, row);
  });
  for (const label of classes) {
    if (!examples.some((e) => e.label === label))
      throw new Error(`class "${label}" has no training example`);
  }
  background.forEach((text) => docs.push(toDoc(text, k)));
  if (docs.length < folds)
    throw new Error(`need at least ${folds} examples for ${folds}-fold calibration`);

  // Out-of-fold raw scores; fold = position modulo `folds`, which stratifies a class-sorted corpus.
  const oof: { z: Float64Array; row: number; prior: Float64Array }[] = [];
  for (let f = 0; f < folds; f++) {
    const model = fitModel(
      docs.filter((_, i) => i % folds !== f),
      rows,
      alpha,
    );
    const prior = classPrior(model.bias, k);
    docs.forEach((doc, i) => {
      if (i % folds === f) oof.push({ z: rawScores(model, doc, rows), row: doc.row, prior });
    });
  }
  const totalLoss = (t: number): number =>
    oof.reduce((sum, o) => sum + loss(calibrated(o.z, t, k, o.prior), o.row, k), 0);
  let temperature = 1;
  let best = Infinity;
  for (let step = 0; LOG_T_MIN + step * LOG_T_STEP <= LOG_T_MAX + 1e-9; step++) {
    const t = r6(Math.exp(LOG_T_MIN + step * LOG_T_STEP));
    const l = totalLoss(t);
    if (l < best) {
      best = l;
      temperature = t;
    }
  }
  const labelled = oof.filter((o) => o.row < k);
  const cvLogLoss = (t: number): number =>
    labelled.reduce((s, o) => s + loss(calibrated(o.z, t, k, o.prior), o.row, k), 0) /
    labelled.length;
  const cvAccuracy =
    labelled.filter((o) => {
      const p = calibrated(o.z, temperature, k, o.prior);
      let arg = 0;
      for (let c = 1; c < k; c++) if ((p[c] ?? 0) > (p[arg] ?? 0)) arg = c;
      return arg === o.row;
    }).length / labelled.length;

  const model = fitModel(docs, rows, alpha);
  const packed = new Float32Array(model.buckets.length * rows);
  model.buckets.forEach((b, i) => {
    const w = model.weights.get(b) ?? new Float64Array(rows);
    for (let r = 0; r < rows; r++) packed[i * rows + r] = r6(w[r] ?? 0);
  });

  const artifact: ClassifierArtifact = {
    format: ARTIFACT_FORMAT,
    name: options.name,
    version: options.version,
    classes,
    trainedAt: options.trainedAt,
    corpus: {
      sha256: options.corpusSha256,
      trainExamples: examples.length,
      heldoutExamples: options.heldout?.length ?? 0,
      backgroundExamples: background.length,
    },
    metrics: {
      heldout: null,
      crossValidation: {
        folds,
        accuracy: r6(cvAccuracy),
        logLoss: r6(cvLogLoss(temperature)),
        uncalibratedLogLoss: r6(cvLogLoss(1)),
      },
    },
    hyperParameters: { alpha, folds, features },
    calibration: { method: 'temperature+background', temperature },
    model: {
      rows,
      background: rows > k,
      bias: Array.from(model.bias, r6),
      count: model.buckets.length,
      buckets: encodeBase64(packUint32(model.buckets)),
      weights: encodeBase64(packFloat32(packed)),
    },
  };

  if (options.heldout !== undefined && options.heldout.length > 0) {
    const result = evaluate(TextClassifier.fromArtifact(artifact), options.heldout);
    const heldout: HeldoutMetrics = {
      examples: result.total,
      accuracy: r6(result.accuracy),
      macroF1: r6(result.macroF1),
      logLoss: r6(result.logLoss),
      meanConfidence: r6(result.meanConfidence),
      perClass: Object.fromEntries(
        classes.map((c) => {
          const m = result.perClass[c] ?? { precision: 0, recall: 0, f1: 0, support: 0 };
          return [
            c,
            { precision: r6(m.precision), recall: r6(m.recall), f1: r6(m.f1), support: m.support },
          ];
        }),
      ),
    };
    artifact.metrics.heldout = heldout;
  }
  return artifact;
}
