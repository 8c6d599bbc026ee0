import type { ClassMetrics } from './artifact';
import type { ClassPrediction } from './classifier';
import type { LabelledExample } from './corpus';

/** What `evaluate` needs from a classifier. */
export interface Predictor {
  readonly classes: readonly string[];
  predict(texts: readonly string[]): ClassPrediction[];
}

/** Result of evaluating a classifier on labelled examples. */
export interface EvaluationResult {
  classes: string[];
  total: number;
  correct: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 scores. */
  macroF1: number;
  /** Mean negative log-likelihood of the true class (probabilities floored at 1e-12). */
  logLoss: number;
  /** Mean probability given to the predicted class. */
  meanConfidence: number;
  perClass: Record<string, ClassMetrics>;
  /** `confusion[actual][predicted]`, both indexed like `classes`. */
  confusion: number[][];
  /** The examples the classifier got wrong, in input order. */
  errors: { text: string; label: string; predicted: string; confidence: number }[];
}

/** Summary of the top-class confidence over texts that carry no class cue. */
export interface ConfidenceSummary {
  count: number;
  meanTopConfidence: number;
  maxTopConfidence: number;
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Scores `classifier` on `examples`; throws if an example's label is not one of its classes. */
export function evaluate(
  classifier: Predictor,
  examples: readonly LabelledExample[],
): EvaluationResult {
  const classes = [...classifier.classes];
  const index = new Map(classes.map((c, i) => [c, i]));
  const confusion = classes.map(() => classes.map(() => 0));
  const predictions = classifier.predict(examples.map((e) => e.text));
  let correct = 0;
  let logLoss = 0;
  let confidence = 0;
  const errors: EvaluationResult['errors'] = [];
  examples.forEach((example, i) => {
    const actual = index.get(example.label);
    if (actual === undefined)
      throw new Error(
        `example ${i} has label "${example.label}", which the classifier does not know (${classes.join(', ')})`,
      );
    const prediction = predictions[i];
    if (prediction === undefined)
      throw new Error(`classifier returned no prediction for example ${i}`);
    const predicted = index.get(prediction.label) ?? -1;
    const row = confusion[actual];
    if (row === undefined || predicted < 0)
      throw new Error(`classifier predicted unknown label "${prediction.label}"`);
    row[predicted] = (row[predicted] ?? 0) + 1;
    if (predicted === actual) correct++;
    else
      errors.push({
        text: example.text,
        label: example.label,
        predicted: prediction.label,
        confidence: prediction.confidence,
      });
    logLoss -= Math.log(Math.max(prediction.scores[example.label] ?? 0, 1e-12));
    confidence += prediction.confidence;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  classes.forEach((label, c) => {
    const tp = confusion[c]?.[c] ?? 0;
    const support = (confusion[c] ?? []).reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + (row[c] ?? 0), 0);
    const precision = safeDiv(tp, predictedCount);
    const recall = safeDiv(tp, support);
    const f1 = safeDiv(2 * precision * recall, precision + recall);
    perClass[label] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  const total = examples.length;
  return {
    classes,
    total,
    correct,
    accuracy: safeDiv(correct, total),
    macroF1: safeDiv(f1Sum, classes.length),
    logLoss: safeDiv(logLoss, total),
    meanConfidence: safeDiv(confidence, total),
    perClass,
    confusion,
    errors,
  };
}

/** Mean and max top-class confidence over `texts` (for text with no cue, lower is better; uniform is 1/k). */
export function summarizeConfidence(
  classifier: Predictor,
  texts: readonly string[],
): ConfidenceSummary {
  const predictions = classifier.predict(texts);
  let sum = 0;
  let max = 0;
  for (const p of predictions) {
    sum += p.confidence;
    max = Math.max(max, p.confidence);
  }
  return {
    count: predictions.length,
    meanTopConfidence: safeDiv(sum, predictions.length),
    maxTopConfidence: max,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A readable report: overall figures, a per-class table and the confusion matrix. */
export function formatEvaluation(result: EvaluationResult): string {
  const width = Math.max(9, ...result.classes.map((c) => c.length + 1));
  const cell = (s: string | number): string => String(s).padStart(width);
  const lines: string[] = [];
  lines.push(
    `examples: ${result.total}   accuracy: ${pct(result.accuracy)} (${result.correct}/${result.total})   macro-F1: ${result.macroF1.toFixed(3)}`,
  );
  lines.push(
    `log-loss: ${result.logLoss.toFixed(3)}   mean confidence: ${pct(result.meanConfidence)}`,
  );
  lines.push('');
  lines.push(
    ['class'.padEnd(width), cell('precision'), cell('recall'), cell('f1'), cell('support')].join(
      ' ',
    ),
  );
  for (const label of result.classes) {
    const m = result.perClass[label];
    if (m === undefined) continue;
    lines.push(
      [
        label.padEnd(width),
        cell(m.precision.toFixed(3)),
        cell(m.recall.toFixed(3)),
        cell(m.f1.toFixed(3)),
        cell(m.support),
      ].join(' '),
    );
  }
  lines.push('');
  lines.push('confusion matrix (rows = actual, columns = predicted)');
  lines.push([''.padEnd(width), ...result.classes.map(cell)].join(' '));
  result.classes.forEach((label, i) => {
    lines.push([label.padEnd(width), ...(result.confusion[i] ?? []).map(cell)].join(' '));
  });
  return lines.join('\n');
}
