import type { FeatureOptions } from './tokenize';

/** Semantic version (what `version` must look like). */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** ISO-8601 date-time with seconds and a zone (what `trainedAt` must look like). */
export const ISO_TIMESTAMP_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Format tag of the artifacts this library writes and reads. Bump the `@n` on any breaking change. */
export const ARTIFACT_FORMAT = 'text-classifier/naive-bayes@1';

/** Precision, recall and F1 of one class, plus how many examples of it were evaluated. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The held-out figures stored in an artifact. */
export interface HeldoutMetrics {
  examples: number;
  accuracy: number;
  macroF1: number;
  /** Mean negative log-likelihood of the true class. */
  logLoss: number;
  /** Mean probability given to the predicted class. */
  meanConfidence: number;
  perClass: Record<string, ClassMetrics>;
}

/** Quality figures recorded at training time. */
export interface ArtifactMetrics {
  /** Evaluation on the held-out split, or null when none was given. */
  heldout: HeldoutMetrics | null;
  /** Out-of-fold figures on the training corpus, before and after calibration. */
  crossValidation: {
    folds: number;
    accuracy: number;
    /** Out-of-fold log-loss with the fitted temperature (the calibration objective's labelled part). */
    logLoss: number;
    /** Out-of-fold log-loss at temperature 1, i.e. the raw naive Bayes posterior. */
    uncalibratedLogLoss: number;
  };
}

/** Training hyper-parameters, enough to retrain the same model from the same corpus. */
export interface HyperParameters {
  /** Additive (Lidstone) smoothing of feature counts. */
  alpha: number;
  /** Folds used to fit the temperature on out-of-fold predictions. */
  folds: number;
  features: FeatureOptions;
}

/**
 * How raw naive Bayes scores become probabilities: divide by `temperature`, softmax over the
 * classes plus the background row (if any), then hand the background probability back to the
 * classes in proportion to their prior.
 */
export interface Calibration {
  method: 'temperature+background';
  temperature: number;
}

/** Which corpus the artifact was trained from. */
export interface CorpusInfo {
  /** sha256 (hex) of the corpus files' bytes, in the order the training tool documents. */
  sha256: string;
  trainExamples: number;
  heldoutExamples: number;
  /** Texts about none of the classes, used as the background row. */
  backgroundExamples: number;
}

/**
 * The learned parameters. Scores are `bias[r] + sum(value(f) * weights[i(f) * rows + r])` over the
 * text's features, where `i(f)` is the position of the feature's bucket in `buckets`; buckets
 * absent from the list have weight 0 (never seen in training: no evidence either way).
 */
export interface ModelWeights {
  /** Number of score rows: one per class, plus one for the background when `background` is true. */
  rows: number;
  /** Whether the last row is the background ("none of the classes") row. */
  background: boolean;
  /** Per-row log prior. */
  bias: number[];
  /** Number of stored buckets. */
  count: number;
  /** base64 of little-endian uint32 bucket indices, strictly ascending. */
  buckets: string;
  /** base64 of little-endian float32 weights, laid out `[i * rows + r]`. */
  weights: string;
}

/** A trained classifier as stored on disk (JSON). Everything in it is deterministic given the corpus. */
export interface ClassifierArtifact {
  format: typeof ARTIFACT_FORMAT;
  name: string;
  version: string;
  classes: string[];
  /** ISO-8601 timestamp supplied by the caller (e.g. the corpus' last commit), never the wall clock. */
  trainedAt: string;
  corpus: CorpusInfo;
  metrics: ArtifactMetrics;
  hyperParameters: HyperParameters;
  calibration: Calibration;
  model: ModelWeights;
}

/** Everything about an artifact except its weights. */
export type ClassifierMetadata = Omit<ClassifierArtifact, 'model'>;
