/**
 * Micro-benchmark of the bundled text classifier: predictions per second and microseconds per
 * prediction for ~100- and ~1,000-character inputs, called one at a time and in batches of 32.
 *
 *   TS_NODE_PROJECT=tools/tsconfig.json npx ts-node -r tsconfig-paths/register tools/bench/model.bench.ts [--model path] [--seconds 1]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TextClassifier } from '@ml-system/text-classifier';

const DEFAULT_MODEL = join(
  __dirname,
  '..',
  '..',
  'apps',
  'predictor',
  'assets',
  'model',
  'animal-text-nb.json',
);

const SENTENCES = [
  'She kneads the blanket, purrs loudly and then falls asleep in the sunbeam on the windowsill.',
  'He wags his tail so hard when I come home that he knocks the umbrella stand over every time!',
  'The little budgie sits on my finger, chirps at the mirror and scatters seed husks everywhere.',
  'The tank filter needs a new cartridge and the water looks cloudy; the tetras are hiding too.',
  'She is chewing through the hay rack again and hopping around the garden after the carrots.',
  'Meeting moved to 3pm, please bring the quarterly figures and the invoice totals for review.',
];

/** Deterministic texts of roughly `length` characters, cycling through the sentences. */
function texts(length: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    let text = '';
    for (let k = i; text.length < length; k++) text += `${SENTENCES[k % SENTENCES.length] ?? ''} `;
    return text.slice(0, length);
  });
}

interface Row {
  case: string;
  predictions: number;
  perSecond: number;
  microsPerPrediction: number;
}

function measure(
  name: string,
  seconds: number,
  inputs: readonly string[],
  batch: number,
  classifier: TextClassifier,
): Row {
  const batches: string[][] = [];
  for (let i = 0; i < inputs.length; i += batch) batches.push(inputs.slice(i, i + batch));
  let sink = 0;
  const run = (rounds: number): number => {
    let n = 0;
    for (let r = 0; r < rounds; r++) {
      for (const b of batches) {
        const out = classifier.predict(b);
        sink += out[0]?.confidence ?? 0;
        n += b.length;
      }
    }
    return n;
  };
  run(200); // warm-up: let the JIT settle before timing
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let predictions = 0;
  let elapsed = 0n;
  do {
    predictions += run(20);
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  if (sink < 0) console.log(sink); // keeps the work observable so it cannot be optimised away
  const secondsTaken = Number(elapsed) / 1e9;
  return {
    case: name,
    predictions,
    perSecond: predictions / secondsTaken,
    microsPerPrediction: (secondsTaken * 1e6) / predictions,
  };
}

function main(argv: readonly string[]): void {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      model: { type: 'string', default: DEFAULT_MODEL },
      seconds: { type: 'string', default: '1' },
    },
  });
  const path = resolve(values.model);
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error('--seconds must be a positive number');
  const loadStart = process.hrtime.bigint();
  const classifier = TextClassifier.fromArtifact(JSON.parse(readFileSync(path, 'utf8')));
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  console.log(
    `model ${classifier.name}@${classifier.version}, loaded in ${loadMs.toFixed(1)} ms; node ${process.version}`,
  );

  const short = texts(100, 64);
  const long = texts(1000, 64);
  const rows = [
    measure('100 chars, single', seconds, short, 1, classifier),
    measure('100 chars, batch of 32', seconds, short, 32, classifier),
    measure('1,000 chars, single', seconds, long, 1, classifier),
    measure('1,000 chars, batch of 32', seconds, long, 32, classifier),
  ];
  const header = [
    'case'.padEnd(26),
    'predictions/s'.padStart(14),
    'µs/prediction'.padStart(14),
    'samples'.padStart(10),
  ];
  console.log(header.join('  '));
  for (const r of rows) {
    console.log(
      [
        r.case.padEnd(26),
        Math.round(r.perSecond).toLocaleString('en-US').padStart(14),
        r.microsPerPrediction.toFixed(2).padStart(14),
        r.predictions.toLocaleString('en-US').padStart(10),
      ].join('  '),
    );
  }
}

main(process.argv.slice(2));
