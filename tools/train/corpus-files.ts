/**
 * Where the corpus and the bundled model live, and how the corpus is fingerprinted. Shared by the
 * train and evaluate tools so that both agree on what "the corpus" is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLabelledJsonl, parseTextJsonl } from '@ml-system/text-classifier';
import type { LabelledExample } from '@ml-system/text-classifier';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..');
export const CORPUS_DIR = join(WORKSPACE_ROOT, 'apps', 'predictor', 'corpus');
export const DEFAULT_MODEL_PATH = join(
  WORKSPACE_ROOT,
  'apps',
  'predictor',
  'assets',
  'model',
  'animal-text-nb.json',
);
export const CLASSES = ['cat', 'dog', 'bird', 'fish', 'rabbit'] as const;

/** Files that determine the model, in fingerprint order. offtopic.jsonl is only a check set. */
const FINGERPRINTED = ['train.jsonl', 'heldout.jsonl', 'background.jsonl'] as const;

export interface Corpus {
  train: LabelledExample[];
  heldout: LabelledExample[];
  background: string[];
  offtopic: string[];
  /**
   * sha256 over, for each file of FINGERPRINTED in order: its name, a NUL, its byte length in
   * decimal, a NUL, then its bytes. Any edit, rename or reordering of lines changes it.
   */
  sha256: string;
}

export function loadCorpus(dir: string = CORPUS_DIR): Corpus {
  const hash = createHash('sha256');
  const bytes = new Map<string, Buffer>();
  for (const name of FINGERPRINTED) {
    const data = readFileSync(join(dir, name));
    bytes.set(name, data);
    hash.update(`${name}\0${data.length}\0`);
    hash.update(data);
  }
  const text = (name: string): string =>
    (bytes.get(name) ?? readFileSync(join(dir, name))).toString('utf8');
  const train = parseLabelledJsonl(text('train.jsonl'), 'train.jsonl', CLASSES);
  const heldout = parseLabelledJsonl(text('heldout.jsonl'), 'heldout.jsonl', CLASSES);
  const seen = new Set(train.map((e) => normalizeForOverlap(e.text)));
  const leaked = heldout.filter((e) => seen.has(normalizeForOverlap(e.text)));
  if (leaked.length > 0) {
    throw new Error(
      `heldout.jsonl shares ${leaked.length} sentence(s) with train.jsonl, e.g. "${leaked[0]?.text ?? ''}"`,
    );
  }
  return {
    train,
    heldout,
    background: parseTextJsonl(text('background.jsonl'), 'background.jsonl'),
    offtopic: parseTextJsonl(text('offtopic.jsonl'), 'offtopic.jsonl'),
    sha256: hash.digest('hex'),
  };
}

function normalizeForOverlap(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Reads `--name value` / `--name=value` from argv; undefined when absent. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === `--${name}`) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
      return value;
    }
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}
