/**
 * Trains the bundled animal text classifier from apps/predictor/corpus and writes its artifact.
 *
 *   npx nx run predictor:train [--out path] [--version x.y.z]
 *
 * Deterministic: the same corpus gives a byte-identical artifact. `trainedAt` comes from
 * SOURCE_DATE_EPOCH when set, else from the last commit touching the corpus, else a fixed date.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { TextClassifier, summarizeConfidence, trainNaiveBayes } from '@ml-system/text-classifier';
import {
  CLASSES,
  CORPUS_DIR,
  DEFAULT_MODEL_PATH,
  WORKSPACE_ROOT,
  argValue,
  loadCorpus,
} from './corpus-files';

/** Bump when the corpus, features or training change in a way clients should notice. */
const MODEL_VERSION = '1.0.0';
const MODEL_NAME = 'animal-text-nb';
const FALLBACK_TRAINED_AT = '2025-01-01T00:00:00Z';

function trainedAt(): string {
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch))
      throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${epoch}"`);
    return new Date(Number(epoch) * 1000).toISOString().replace('.000Z', 'Z');
  }
  try {
    const date = execFileSync(
      'git',
      ['log', '-1', '--format=%cI', '--', relative(WORKSPACE_ROOT, CORPUS_DIR)],
      {
        cwd: WORKSPACE_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).trim();
    if (date !== '') return date;
  } catch {
    // not a git checkout, or git missing: fall through to the fixed date
  }
  console.warn(
    `warning: no SOURCE_DATE_EPOCH and no commit touching the corpus; trainedAt = ${FALLBACK_TRAINED_AT}`,
  );
  return FALLBACK_TRAINED_AT;
}

function main(argv: readonly string[]): void {
  const out = resolve(argValue(argv, 'out') ?? DEFAULT_MODEL_PATH);
  const version = argValue(argv, 'version') ?? MODEL_VERSION;
  const corpus = loadCorpus();
  const started = process.hrtime.bigint();
  const artifact = trainNaiveBayes(corpus.train, {
    name: MODEL_NAME,
    version,
    trainedAt: trainedAt(),
    corpusSha256: corpus.sha256,
    classes: CLASSES,
    background: corpus.background,
    heldout: corpus.heldout,
  });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const text = `${JSON.stringify(artifact, null, 2)}\n`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);

  const classifier = TextClassifier.fromArtifact(JSON.parse(text));
  const offtopic = summarizeConfidence(classifier, corpus.offtopic);
  const heldout = artifact.metrics.heldout;
  const perClass = CLASSES.map(
    (c) => `${c} ${corpus.train.filter((e) => e.label === c).length}`,
  ).join(', ');
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  console.log(`trained ${artifact.name}@${artifact.version} in ${elapsedMs.toFixed(0)} ms`);
  console.log(`  corpus      sha256 ${corpus.sha256}`);
  console.log(
    `  train       ${corpus.train.length} examples (${perClass}), background ${corpus.background.length}`,
  );
  console.log(
    `  features    ${artifact.model.count} buckets used of ${artifact.hyperParameters.features.numBuckets}, alpha ${artifact.hyperParameters.alpha}`,
  );
  console.log(
    `  calibration temperature ${artifact.calibration.temperature} (cross-validated log-loss ${artifact.metrics.crossValidation.uncalibratedLogLoss} -> ${artifact.metrics.crossValidation.logLoss})`,
  );
  console.log(
    `  cv accuracy ${pct(artifact.metrics.crossValidation.accuracy)} (${artifact.metrics.crossValidation.folds}-fold, out-of-fold)`,
  );
  if (heldout)
    console.log(
      `  held-out    accuracy ${pct(heldout.accuracy)}, macro-F1 ${heldout.macroF1.toFixed(3)}, log-loss ${heldout.logLoss.toFixed(3)} on ${heldout.examples} examples`,
    );
  console.log(
    `  off-topic   mean top confidence ${pct(offtopic.meanTopConfidence)} on ${offtopic.count} texts (uniform = ${pct(1 / CLASSES.length)})`,
  );
  console.log(`  trainedAt   ${artifact.trainedAt}`);
  console.log(
    `wrote ${relative(WORKSPACE_ROOT, out)} (${text.length} bytes, sha256 ${createHash('sha256').update(text).digest('hex')})`,
  );
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`train failed: ${(error as Error).message}`);
  process.exit(1);
}
