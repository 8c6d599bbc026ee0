export { ARTIFACT_FORMAT } from './lib/artifact';
export type {
  ArtifactMetrics,
  Calibration,
  ClassifierArtifact,
  ClassifierMetadata,
  ClassMetrics,
  CorpusInfo,
  HeldoutMetrics,
  HyperParameters,
  ModelWeights,
} from './lib/artifact';
export { TextClassifier } from './lib/classifier';
export type { ClassPrediction } from './lib/classifier';
export { parseLabelledJsonl, parseTextJsonl } from './lib/corpus';
export type { LabelledExample } from './lib/corpus';
export { evaluate, formatEvaluation, summarizeConfidence } from './lib/evaluate';
export type { ConfidenceSummary, EvaluationResult, Predictor } from './lib/evaluate';
export {
  DEFAULT_FEATURE_OPTIONS,
  FeatureHasher,
  STOPWORDS,
  featureStrings,
  hashFeature,
  normalizeText,
  stemWord,
  tokenize,
} from './lib/tokenize';
export type { FeatureOptions } from './lib/tokenize';
export { DEFAULT_ALPHA, DEFAULT_FOLDS, trainNaiveBayes } from './lib/train';
export type { TrainOptions } from './lib/train';
