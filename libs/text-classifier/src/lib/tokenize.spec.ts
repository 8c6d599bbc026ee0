import {
  DEFAULT_FEATURE_OPTIONS,
  FeatureHasher,
  STOPWORDS,
  featureStrings,
  hashFeature,
  normalizeText,
  stemWord,
  tokenize,
  validateFeatureOptions,
} from './tokenize';
import type { FeatureOptions } from './tokenize';

describe('normalizeText', () => {
  it('lower-cases, strips punctuation and collapses whitespace', () => {
    expect(normalizeText('  The CAT, sat!!  on   the mat...  ')).toBe('the cat sat on the mat');
  });

  it('joins apostrophes instead of splitting on them', () => {
    expect(normalizeText("Won't stop — the dog's bowl")).toBe('wont stop the dogs bowl');
    expect(normalizeText('it\u2019s fine')).toBe('its fine');
  });

  it('applies Unicode NFKC before lower-casing', () => {
    expect(normalizeText('ＣＡＴ ﬁsh')).toBe('cat fish');
    expect(normalizeText('Çava Straße')).toBe('çava straße');
  });

  it('keeps digits and gives the empty string for text without words', () => {
    expect(normalizeText('5am, 25%')).toBe('5am 25');
    expect(normalizeText(' ?!… ')).toBe('');
    expect(tokenize('...')).toEqual([]);
  });
});

describe('stemWord', () => {
  it.each([
    ['hops', 'hop'],
    ['hopped', 'hop'],
    ['hopping', 'hop'],
    ['puppies', 'pup'],
    ['puppy', 'pup'],
    ['chasing', 'chas'],
    ['chase', 'chas'],
    ['boxes', 'box'],
    ['feathers', 'feather'],
    ['grass', 'grass'],
    ['gills', 'gill'],
    ['cats', 'cat'],
    ['his', 'his'],
  ])('%s -> %s', (word, stem) => {
    expect(stemWord(word)).toBe(stem);
  });
});

describe('hashFeature', () => {
  it('is FNV-1a (kind tag first) with a murmur3 finaliser, pinned so artifacts stay valid', () => {
    // Changing any of these values silently invalidates every trained artifact.
    expect(hashFeature('w:cat')).toBe(3347621682);
    expect(hashFeature('b:hay rack')).toBe(413034815);
    expect(hashFeature('c:<ca')).toBe(2509286019);
  });

  it('separates feature kinds', () => {
    expect(hashFeature('w:cat')).not.toBe(hashFeature('c:cat'));
    expect(() => hashFeature('x:cat')).toThrow(/unknown feature kind/);
  });
});

describe('FeatureHasher', () => {
  const texts = [
    'Kneads the blanket and purrs!',
    "The dog's barking at the postman, he won't stop",
    'ＣＡＴ ﬁsh ça va',
    'a',
    '',
    'hopping hopped hops over the hay rack again and again',
  ];

  it.each(texts)('hashes exactly the features featureStrings lists: %p', (text) => {
    const hasher = new FeatureHasher(DEFAULT_FEATURE_OPTIONS);
    const n = hasher.extract(text);
    const expected = featureStrings(text);
    expect(n).toBe(expected.length);
    const mask = DEFAULT_FEATURE_OPTIONS.numBuckets - 1;
    expect(Array.from(hasher.buckets.subarray(0, n))).toEqual(
      expected.map((f) => hashFeature(f) & mask),
    );
    const weightOf = (f: string): number =>
      f.startsWith('w:')
        ? DEFAULT_FEATURE_OPTIONS.unigramWeight
        : f.startsWith('b:')
          ? DEFAULT_FEATURE_OPTIONS.bigramWeight
          : DEFAULT_FEATURE_OPTIONS.charNgramWeight;
    expect(Array.from(hasher.values.subarray(0, n))).toEqual(expected.map(weightOf));
  });

  it('is deterministic across calls and instances', () => {
    const a = new FeatureHasher(DEFAULT_FEATURE_OPTIONS);
    const b = new FeatureHasher(DEFAULT_FEATURE_OPTIONS);
    const text = 'wags its tail when I come home';
    const first = Array.from(a.buckets.subarray(0, a.extract(text)));
    a.extract('something else entirely');
    expect(Array.from(a.buckets.subarray(0, a.extract(text)))).toEqual(first);
    expect(Array.from(b.buckets.subarray(0, b.extract(text)))).toEqual(first);
  });

  it('drops stopwords (pronouns included) and builds bigrams over the kept words', () => {
    expect(
      featureStrings('she is in the tank', { ...DEFAULT_FEATURE_OPTIONS, charNgramWeight: 0 }),
    ).toEqual(['w:tank']);
    expect(
      featureStrings('the tank filter', { ...DEFAULT_FEATURE_OPTIONS, charNgramWeight: 0 }),
    ).toEqual(['w:tank', 'w:filter', 'b:tank filter']);
    expect(STOPWORDS).toContain('he');
    expect(STOPWORDS).not.toContain('cat');
  });

  it('grows its buffers for long inputs', () => {
    const hasher = new FeatureHasher(DEFAULT_FEATURE_OPTIONS);
    const long = 'purring '.repeat(2000);
    const n = hasher.extract(long);
    expect(n).toBe(featureStrings(long).length);
    expect(hasher.buckets.length).toBeGreaterThanOrEqual(n);
  });

  it('keeps every bucket inside the feature space', () => {
    const options: FeatureOptions = { ...DEFAULT_FEATURE_OPTIONS, numBuckets: 1024 };
    const hasher = new FeatureHasher(options);
    const n = hasher.extract('the quick brown fox jumps over the lazy rabbit');
    for (const b of hasher.buckets.subarray(0, n)) {
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1024);
    }
  });
});

describe('validateFeatureOptions', () => {
  it.each<[Partial<FeatureOptions>, RegExp]>([
    [{ numBuckets: 1000 }, /power of two/],
    [{ numBuckets: 1 << 25 }, /power of two/],
    [{ charNgramMin: 0 }, /n-gram range/],
    [{ charNgramMin: 4, charNgramMax: 3 }, /n-gram range/],
    [{ charNgramMax: 9 }, /n-gram range/],
    [{ bigramWeight: -1 }, /bigramWeight/],
    [{ unigramWeight: Number.NaN }, /unigramWeight/],
    [{ unigramWeight: 0, bigramWeight: 0, charNgramWeight: 0 }, /at least one/],
  ])('rejects %p', (override, message) => {
    expect(() => validateFeatureOptions({ ...DEFAULT_FEATURE_OPTIONS, ...override })).toThrow(
      message,
    );
  });

  it('accepts the defaults', () => {
    expect(() => validateFeatureOptions(DEFAULT_FEATURE_OPTIONS)).not.toThrow();
  });
});
