/**
 * Evaluates a classifier artifact on the held-out split and on off-topic text.
 *
 *   npx nx run predictor:evaluate [--model path] [--min-accuracy 0.9] [--max-offtopic 0.5]
 *
 * Exits non-zero when held-out accuracy is below --min-accuracy, when the mean top confidence on
 * off-topic text is above --max-offtopic (calibration), or when the bundled artifact was trained
 * from a different corpus than the one in the repository (retrain and commit it).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  TextClassifier,
  evaluate,
  formatEvaluation,
  summarizeConfidence,
} from '@ml-system/text-classifier';
import { DEFAULT_MODEL_PATH, WORKSPACE_ROOT, argValue, loadCorpus } from './corpus-files';

function threshold(argv: readonly string[], name: string, fallback: number): number {
  const raw = argValue(argv, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new Error(`--${name} must be a number in [0, 1], got "${raw}"`);
  return value;
}

function main(argv: readonly string[]): number {
  const custom = argValue(argv, 'model');
  const path = resolve(custom ?? DEFAULT_MODEL_PATH);
  const minAccuracy = threshold(argv, 'min-accuracy', 0.9);
  const maxOfftopic = threshold(argv, 'max-offtopic', 0.5);
  const classifier = TextClassifier.fromArtifact(JSON.parse(readFileSync(path, 'utf8')));
  const corpus = loadCorpus();
  const meta = classifier.metadata;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

  console.log(
    `model ${classifier.name}@${classifier.version} (${meta.format}) from ${relative(WORKSPACE_ROOT, path)}`,
  );
  console.log(
    `trained ${meta.trainedAt} on ${meta.corpus.trainExamples} examples, temperature ${meta.calibration.temperature}`,
  );
  console.log('');
  console.log(`held-out split (${corpus.heldout.length} examples)`);
  const result = evaluate(classifier, corpus.heldout);
  console.log(formatEvaluation(result));
  if (result.errors.length > 0) {
    console.log('');
    console.log('misclassified');
    for (const e of result.errors)
      console.log(
        `  ${e.label.padEnd(7)} -> ${e.predicted.padEnd(7)} ${pct(e.confidence).padStart(6)}  ${e.text}`,
      );
  }
  const offtopic = summarizeConfidence(classifier, corpus.offtopic);
  console.log('');
  console.log(
    `off-topic (${offtopic.count} texts): mean top confidence ${pct(offtopic.meanTopConfidence)}, max ${pct(offtopic.maxTopConfidence)} (uniform = ${pct(1 / classifier.classes.length)})`,
  );

  const failures: string[] = [];
  if (result.accuracy < minAccuracy)
    failures.push(`held-out accuracy ${pct(result.accuracy)} < ${pct(minAccuracy)}`);
  if (offtopic.meanTopConfidence > maxOfftopic)
    failures.push(
      `off-topic mean top confidence ${pct(offtopic.meanTopConfidence)} > ${pct(maxOfftopic)}`,
    );
  if (meta.corpus.sha256 !== corpus.sha256) {
    const message = `artifact was trained on corpus ${meta.corpus.sha256.slice(0, 12)}…, the repository has ${corpus.sha256.slice(0, 12)}…: run "npx nx run predictor:train"`;
    if (custom === undefined) failures.push(message);
    else console.warn(`warning: ${message}`);
  }
  console.log('');
  if (failures.length > 0) {
    for (const f of failures) console.error(`FAIL ${f}`);
    return 1;
  }
  console.log(
    `OK: accuracy >= ${pct(minAccuracy)}, off-topic confidence <= ${pct(maxOfftopic)}, artifact matches the corpus`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`evaluate failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
