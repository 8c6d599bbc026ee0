import { trainMini, MINI_CLASSES } from '../testing/mini-corpus';
import type { ClassifierArtifact } from './artifact';
import {
  decodeBase64,
  encodeBase64,
  packFloat32,
  packUint32,
  unpackFloat32,
  unpackUint32,
} from './binary';
import { TextClassifier } from './classifier';

const artifact = trainMini();
const json = JSON.stringify(artifact);
const fresh = (): ClassifierArtifact => JSON.parse(json) as ClassifierArtifact;
const classifier = TextClassifier.fromArtifact(fresh());

describe('TextClassifier', () => {
  it('exposes name, version, classes and metadata without weights', () => {
    expect(classifier.name).toBe('mini-nb');
    expect(classifier.version).toBe('0.1.0');
    expect(classifier.classes).toEqual([...MINI_CLASSES]);
    expect(classifier.metadata.trainedAt).toBe('2025-01-01T00:00:00Z');
    expect(classifier.metadata.calibration.method).toBe('temperature+background');
    expect('model' in classifier.metadata).toBe(false);
    expect(Object.isFrozen(classifier.metadata)).toBe(true);
  });

  it.each([
    ['kneads the blanket and purrs', 'cat'],
    ['wags its tail when I come home', 'dog'],
    ['hovering at the feeder', 'bird'],
    ['the tank filter needs a new cartridge', 'fish'],
    ['chewing through the hay rack again', 'rabbit'],
  ])('classifies an obvious cue: %s -> %s', (text, label) => {
    const [p] = classifier.predict([text]);
    expect(p?.label).toBe(label);
    expect(p?.confidence).toBeGreaterThan(0.5);
  });

  it('gives probabilities that sum to 1, with confidence = the top score', () => {
    const texts = [
      'purrs',
      'barks at the postman',
      '',
      '!!!',
      'the invoice total is wrong',
      'x'.repeat(5000),
    ];
    for (const p of classifier.predict(texts)) {
      const values = Object.values(p.scores);
      expect(Object.keys(p.scores)).toEqual([...MINI_CLASSES]);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const v of values) expect(v).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBe(Math.max(...values));
      expect(p.scores[p.label]).toBe(p.confidence);
    }
  });

  it('is deterministic, also across instances and batch positions', () => {
    const texts = ['hops around the garden', 'perched on my finger', 'sample input'];
    const again = TextClassifier.fromArtifact(fresh());
    expect(classifier.predict(texts)).toEqual(classifier.predict(texts));
    expect(again.predict(texts)).toEqual(classifier.predict(texts));
    expect(classifier.predict([texts[2] ?? '', texts[0] ?? ''])[1]).toEqual(
      classifier.predict(texts)[0],
    );
  });

  it('stays near uniform for text with no cue', () => {
    for (const p of classifier.predict([
      '',
      'sample input',
      'the contract expires soon',
      'zzzz qqqq',
    ])) {
      expect(p.confidence).toBeLessThan(0.4);
    }
  });

  it('returns an empty list for an empty batch', () => {
    expect(classifier.predict([])).toEqual([]);
  });

  it('scores a bucket no training text reached as one whose weights are all 0, bit for bit', () => {
    // The same model with every untrained bucket listed explicitly, its weights zeros.
    const a = fresh();
    const { rows } = a.model;
    const trained = unpackUint32(decodeBase64(a.model.buckets));
    const weights = unpackFloat32(decodeBase64(a.model.weights));
    const numBuckets = a.hyperParameters.features.numBuckets;
    const dense = new Float32Array(numBuckets * rows);
    trained.forEach((bucket, i) =>
      dense.set(weights.subarray(i * rows, (i + 1) * rows), bucket * rows),
    );
    a.model.count = numBuckets;
    a.model.buckets = encodeBase64(packUint32(Array.from({ length: numBuckets }, (_, b) => b)));
    a.model.weights = encodeBase64(packFloat32(dense));
    const explicit = TextClassifier.fromArtifact(a);
    const texts = [
      'kneads the blanket and purrs',
      'the tank filter needs a new cartridge',
      'zzzz qqqq',
      'the contract expires soon',
      '',
    ];
    expect(explicit.predict(texts)).toEqual(classifier.predict(texts));
  });

  it("holds the trained buckets' weights, not a weight for every bucket of the feature space", () => {
    const a = fresh();
    a.hyperParameters.features.numBuckets = 1 << 22;
    const before = process.memoryUsage().arrayBuffers;
    const wide = TextClassifier.fromArtifact(a);
    const held = process.memoryUsage().arrayBuffers - before;
    // A dense table would be 4 Mi buckets x rows x 4 bytes (96 MiB); the bucket -> slot array is 16 MiB.
    expect(held).toBeLessThan((1 << 22) * 4 * 1.5);
    expect(wide.predict(['purrs'])).toHaveLength(1);
  });
});

describe('TextClassifier.fromArtifact', () => {
  const corrupt = (mutate: (a: ClassifierArtifact & Record<string, unknown>) => void): unknown => {
    const a = fresh() as ClassifierArtifact & Record<string, unknown>;
    mutate(a);
    return a;
  };

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'hello', /expected a JSON object/],
    ['null', null, /expected a JSON object/],
    ['an array', [], /expected a JSON object/],
    [
      'another format',
      corrupt((a) => ((a as Record<string, unknown>)['format'] = 'text-classifier/naive-bayes@2')),
      /unsupported format "text-classifier\/naive-bayes@2"/,
    ],
    [
      'a missing name',
      corrupt((a) => delete (a as Record<string, unknown>)['name']),
      /missing field "name"/,
    ],
    ['a bad version', corrupt((a) => (a.version = 'one')), /"version" must be a semantic version/],
    [
      'a bad timestamp',
      corrupt((a) => (a.trainedAt = '2025-13-45')),
      /"trainedAt" must be an ISO-8601 timestamp/,
    ],
    [
      'a single class',
      corrupt((a) => (a.classes = ['cat'])),
      /"classes" must be an array of at least two/,
    ],
    [
      'repeated classes',
      corrupt((a) => (a.classes = ['cat', 'cat', 'bird', 'fish', 'rabbit'])),
      /must not repeat/,
    ],
    [
      'a missing corpus hash',
      corrupt((a) => delete (a.corpus as unknown as Record<string, unknown>)['sha256']),
      /missing field "corpus\.sha256"/,
    ],
    [
      'a negative temperature',
      corrupt((a) => (a.calibration.temperature = -1)),
      /"calibration\.temperature" must be > 0/,
    ],
    [
      'a NaN temperature',
      corrupt((a) => (a.calibration.temperature = Number.NaN)),
      /"calibration\.temperature" must be a finite number/,
    ],
    [
      'a bad feature space',
      corrupt((a) => (a.hyperParameters.features.numBuckets = 1000)),
      /hyperParameters\.features.*power of two/,
    ],
    ['a wrong row count', corrupt((a) => (a.model.rows = 5)), /"model\.rows" is 5, expected 6/],
    [
      'a short bias vector',
      corrupt((a) => a.model.bias.pop()),
      /"model\.bias" must be an array of 6 numbers/,
    ],
    [
      'a NaN bias',
      corrupt((a) => (a.model.bias[2] = Number.NaN)),
      /"model\.bias\[2\]" must be a finite number/,
    ],
    [
      'a null bias',
      corrupt((a) => ((a.model.bias as unknown[])[0] = null)),
      /"model\.bias\[0\]" must be a finite number/,
    ],
    [
      'a wrong bucket count',
      corrupt((a) => (a.model.count += 1)),
      /"model\.buckets" holds \d+ buckets, expected \d+/,
    ],
    [
      'bad base64',
      corrupt((a) => (a.model.weights = 'not base64!')),
      /"model\.weights" is not valid packed data/,
    ],
    [
      'a short weight vector',
      corrupt(
        (a) =>
          (a.model.weights = encodeBase64(
            packFloat32(new Float32Array(a.model.count * a.model.rows - 1)),
          )),
      ),
      /"model\.weights" holds \d+ values, expected \d+/,
    ],
    [
      'a NaN weight',
      corrupt((a) => {
        const w = new Float32Array(a.model.count * a.model.rows);
        w[7] = Number.NaN;
        a.model.weights = encodeBase64(packFloat32(w));
      }),
      /"model\.weights\[7\]" is not a finite number/,
    ],
    [
      'unsorted buckets',
      corrupt((a) => {
        const buckets = Array.from({ length: a.model.count }, (_, i) => a.model.count - i);
        a.model.buckets = encodeBase64(packUint32(buckets));
      }),
      /strictly ascending/,
    ],
    [
      'a bucket outside the feature space',
      corrupt((a) => {
        const buckets = Array.from({ length: a.model.count }, (_, i) => i);
        buckets[buckets.length - 1] = 1 << 30;
        a.model.buckets = encodeBase64(packUint32(buckets));
      }),
      /outside the \d+-bucket feature space/,
    ],
    [
      'held-out metrics of the wrong shape',
      corrupt((a) => ((a.metrics as unknown as Record<string, unknown>)['heldout'] = 3)),
      /"metrics\.heldout" must be an object or null/,
    ],
  ])('rejects %s with a clear message', (_what, raw, message) => {
    expect(() => TextClassifier.fromArtifact(raw)).toThrow(message);
    expect(() => TextClassifier.fromArtifact(raw)).toThrow(/^invalid classifier artifact: /);
  });

  it('does not keep references to the caller’s object', () => {
    const raw = fresh();
    const c = TextClassifier.fromArtifact(raw);
    raw.name = 'changed';
    raw.classes[0] = 'changed';
    expect(c.name).toBe('mini-nb');
    expect(c.classes[0]).toBe('cat');
  });
});
