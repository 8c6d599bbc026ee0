/**
 * Text normalisation and hashed feature extraction.
 *
 * Features are never materialised as strings on the hot path: each one is hashed straight from
 * the char codes of the normalised text (FNV-1a over UTF-16 code units, finished with the murmur3
 * avalanche so that the low bits used as the bucket index are well mixed). `featureStrings` yields
 * the same features as readable strings, and the specs check that both paths agree.
 */

/** Which features are extracted, how much each kind counts, and the size of the hash space. */
export interface FeatureOptions {
  /** Number of hash buckets; a power of two between 2^10 and 2^24. */
  numBuckets: number;
  /** Drop function words (articles, pronouns, auxiliaries, ...) before building any feature. */
  dropStopwords: boolean;
  /** Strip common English inflections (-s, -es, -ed, -ing, final -e) from words used as word features. */
  stemWords: boolean;
  /** Weight of a word unigram; 0 disables them. */
  unigramWeight: number;
  /** Weight of a pair of adjacent (kept) words; 0 disables them. */
  bigramWeight: number;
  /** Weight of one character n-gram (taken inside `<word>`); 0 disables them. */
  charNgramWeight: number;
  /** Smallest character n-gram, at least 1. */
  charNgramMin: number;
  /** Largest character n-gram, at most 8. */
  charNgramMax: number;
}

/** The feature set the bundled model was tuned with (see README.md). */
export const DEFAULT_FEATURE_OPTIONS: Readonly<FeatureOptions> = Object.freeze({
  numBuckets: 1 << 18,
  dropStopwords: true,
  stemWords: true,
  unigramWeight: 1,
  bigramWeight: 1,
  charNgramWeight: 0.25,
  charNgramMin: 3,
  charNgramMax: 5,
});

/**
 * Words that say nothing about which animal a text is about. Pronouns are here on purpose: a
 * corpus where more dogs are "he" and more cats are "she" must not teach the model that.
 */
export const STOPWORDS: readonly string[] = Object.freeze(
  (
    'a an the and or but nor so yet if then than that this these those there here ' +
    'i me my mine myself we us our ours you your yours he him his himself she her hers herself ' +
    'it its itself they them their theirs themselves who whom whose which what when where why how ' +
    'am is are was were be been being do does did doing done have has had having ' +
    'will would shall should can could may might must im ive id youre hes shes its theyre weve ' +
    'of to in on at by for with from into onto about as up down out off over under again ' +
    'just very too also only even still all any some each every both no not dont doesnt didnt ' +
    'wont cant isnt arent wasnt one two get got gets getting'
  ).split(' '),
);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Kind tags are hashed first so that the word "cat" and the trigram "cat" land in different buckets.
const KIND_WORD = 1;
const KIND_BIGRAM = 2;
const KIND_CHAR = 3;
// Word boundary markers for character n-grams. Normalised text only holds letters, digits and
// single spaces, so these never collide with real characters.
const WORD_START = 0x3c; // '<'
const WORD_END = 0x3e; // '>'
const SPACE = 0x20;
const MAX_CHAR_NGRAM = 8;

const APOSTROPHES = /['\u2018\u2019\u02bc`]/g;
const NON_WORD = /[^\p{L}\p{N}]+/gu;

/**
 * Lower-cases, applies Unicode NFKC, drops apostrophes (so "won't" meets "wont" and "dog's" meets
 * "dogs") and turns every other run of non-letters/digits into one space.
 */
export function normalizeText(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7e) {
      ascii = false;
      break;
    }
  }
  // NFKC cannot change printable ASCII; skipping it keeps the common case fast.
  const folded = ascii ? text.toLowerCase() : text.normalize('NFKC').toLowerCase();
  return folded.replace(APOSTROPHES, '').replace(NON_WORD, ' ').trim();
}

/** Words of the normalised text (stopwords included). */
export function tokenize(text: string): string[] {
  const normalized = normalizeText(text);
  return normalized.length === 0 ? [] : normalized.split(' ');
}

const CH_D = 0x64;
const CH_E = 0x65;
const CH_G = 0x67;
const CH_I = 0x69;
const CH_L = 0x6c;
const CH_N = 0x6e;
const CH_S = 0x73;
const CH_U = 0x75;
const CH_Y = 0x79;
const CH_Z = 0x7a;

function isVowel(c: number): boolean {
  return c === 0x61 || c === CH_E || c === CH_I || c === 0x6f || c === CH_U;
}

/**
 * End index of the stem of `text[start, end)`: a deliberately small suffix stripper, so that
 * "hops", "hopped", "hopping" and "hop" (or "puppies" and "puppy", "chasing" and "chase") become one
 * word feature. Words of three letters or fewer are left alone. Allocation-free: it only moves the
 * end index back.
 */
export function stemEnd(text: string, start: number, end: number): number {
  let e = end;
  const at = (i: number): number => text.charCodeAt(i);
  // 1. inflection: -ing, -ed (not -eed), -s (not -ss, -us, -is)
  if (e - start > 4 && at(e - 3) === CH_I && at(e - 2) === CH_N && at(e - 1) === CH_G) e -= 3;
  else if (e - start > 3 && at(e - 2) === CH_E && at(e - 1) === CH_D && at(e - 3) !== CH_E) e -= 2;
  else if (
    e - start > 3 &&
    at(e - 1) === CH_S &&
    at(e - 2) !== CH_S &&
    at(e - 2) !== CH_U &&
    at(e - 2) !== CH_I
  )
    e -= 1;
  // 2. final -e ("chase" / "chas(ing)", "boxe(s)" / "box")
  if (e - start > 3 && at(e - 1) === CH_E) e -= 1;
  // 3. final -y or -i after a consonant ("puppy" / "puppi(es)")
  if (e - start > 3 && (at(e - 1) === CH_Y || at(e - 1) === CH_I) && !isVowel(at(e - 2))) e -= 1;
  // 4. doubled final consonant ("hopp(ing)" / "hop"), except l, s, z ("gill", "grass", "fizz")
  const last = at(e - 1);
  if (
    e - start > 3 &&
    last === at(e - 2) &&
    !isVowel(last) &&
    last !== CH_L &&
    last !== CH_S &&
    last !== CH_Z
  )
    e -= 1;
  return e;
}

/** The stem of one word, as `stemEnd` computes it. */
export function stemWord(word: string): string {
  return word.slice(0, stemEnd(word, 0, word.length));
}

/** Throws when the options cannot describe a valid feature space. */
export function validateFeatureOptions(options: FeatureOptions): void {
  const { numBuckets, charNgramMin, charNgramMax } = options;
  if (
    !Number.isInteger(numBuckets) ||
    numBuckets < 1 << 10 ||
    numBuckets > 1 << 24 ||
    (numBuckets & (numBuckets - 1)) !== 0
  ) {
    throw new Error(
      `numBuckets must be a power of two between 1024 and 16777216, got ${String(numBuckets)}`,
    );
  }
  if (typeof options.dropStopwords !== 'boolean' || typeof options.stemWords !== 'boolean') {
    throw new Error('dropStopwords and stemWords must be booleans');
  }
  for (const key of ['unigramWeight', 'bigramWeight', 'charNgramWeight'] as const) {
    const w = options[key];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new Error(`${key} must be a finite number >= 0, got ${String(w)}`);
  }
  if (
    !Number.isInteger(charNgramMin) ||
    !Number.isInteger(charNgramMax) ||
    charNgramMin < 1 ||
    charNgramMax < charNgramMin ||
    charNgramMax > MAX_CHAR_NGRAM
  ) {
    throw new Error(
      `character n-gram range must satisfy 1 <= min <= max <= ${MAX_CHAR_NGRAM}, got ${String(charNgramMin)}..${String(charNgramMax)}`,
    );
  }
  if (options.unigramWeight === 0 && options.bigramWeight === 0 && options.charNgramWeight === 0) {
    throw new Error('at least one feature kind must have a weight above 0');
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnvSlice(h: number, text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

function seed(kind: number): number {
  return Math.imul(FNV_OFFSET ^ kind, FNV_PRIME);
}

/**
 * 32-bit hash of one feature written as a string: `w:word`, `b:first second` or `c:<ng`. The
 * bucket is `hash & (numBuckets - 1)`. For tests and debugging; extraction hashes in place.
 */
export function hashFeature(feature: string): number {
  const kind = feature.startsWith('w:')
    ? KIND_WORD
    : feature.startsWith('b:')
      ? KIND_BIGRAM
      : feature.startsWith('c:')
        ? KIND_CHAR
        : 0;
  if (kind === 0) throw new Error(`unknown feature kind in "${feature}"`);
  return fmix32(fnvSlice(seed(kind), feature, 2, feature.length));
}

const STOPWORD_HASHES: ReadonlySet<number> = new Set(STOPWORDS.map((w) => hashFeature(`w:${w}`)));

/**
 * Turns text into weighted, hashed feature buckets. One growable pair of buffers is reused, so
 * extraction allocates nothing per feature; read `buckets`/`values` in `[0, count)` right after
 * `extract` (synchronous use only: the next call overwrites them).
 */
export class FeatureHasher {
  /** Buckets of the last extraction. */
  buckets: Int32Array = new Int32Array(1024);
  /** Weight of each feature of the last extraction (its kind's weight). */
  values: Float32Array = new Float32Array(1024);
  private readonly mask: number;
  private readonly options: Readonly<FeatureOptions>;

  constructor(options: Readonly<FeatureOptions>) {
    validateFeatureOptions(options);
    this.options = Object.freeze({ ...options });
    this.mask = options.numBuckets - 1;
  }

  /** Normalises `text` and extracts its features; returns how many were written. */
  extract(text: string): number {
    return this.extractNormalized(normalizeText(text));
  }

  /** Like `extract`, for text that already went through `normalizeText`. */
  extractNormalized(text: string): number {
    const { dropStopwords, stemWords, unigramWeight, bigramWeight, charNgramWeight } = this.options;
    const mask = this.mask;
    const len = text.length;
    // At most one unigram and one bigram per word, and (max - min + 1) n-grams per position of each
    // padded word; the padded words together span fewer than 2 * (len + 1) positions.
    const perPosition = this.options.charNgramMax - this.options.charNgramMin + 1;
    const bound = (2 + 2 * perPosition) * (len + 1);
    if (this.buckets.length < bound) {
      const size = Math.max(bound, this.buckets.length * 2);
      this.buckets = new Int32Array(size);
      this.values = new Float32Array(size);
    }
    const buckets = this.buckets;
    const values = this.values;
    let n = 0;
    let prevStart = -1;
    let prevEnd = -1;
    let start = 0;
    while (start < len) {
      let end = start;
      while (end < len && text.charCodeAt(end) !== SPACE) end++;
      const raw = fmix32(fnvSlice(seed(KIND_WORD), text, start, end));
      if (end > start && !(dropStopwords && STOPWORD_HASHES.has(raw))) {
        const stem = stemWords ? stemEnd(text, start, end) : end;
        if (unigramWeight > 0) {
          buckets[n] =
            (stem === end ? raw : fmix32(fnvSlice(seed(KIND_WORD), text, start, stem))) & mask;
          values[n++] = unigramWeight;
        }
        if (bigramWeight > 0 && prevStart >= 0) {
          const h = fnvSlice(
            Math.imul(fnvSlice(seed(KIND_BIGRAM), text, prevStart, prevEnd) ^ SPACE, FNV_PRIME),
            text,
            start,
            stem,
          );
          buckets[n] = fmix32(h) & mask;
          values[n++] = bigramWeight;
        }
        if (charNgramWeight > 0) n = this.charNgrams(text, start, end, n);
        prevStart = start;
        prevEnd = stem;
      }
      start = end + 1;
    }
    return n;
  }

  private charNgrams(text: string, start: number, end: number, n: number): number {
    const { charNgramMin, charNgramMax, charNgramWeight } = this.options;
    const mask = this.mask;
    const buckets = this.buckets;
    const values = this.values;
    // Positions run over the padded word "<" + word + ">", i.e. from start - 1 to end inclusive.
    const first = start - 1;
    const last = end;
    const padded = last - first + 1;
    for (let p = first; p <= last; p++) {
      let h = seed(KIND_CHAR);
      const maxLen = Math.min(charNgramMax, last - p + 1);
      for (let k = 1; k <= maxLen; k++) {
        const q = p + k - 1;
        h = Math.imul(
          h ^ (q === first ? WORD_START : q === last ? WORD_END : text.charCodeAt(q)),
          FNV_PRIME,
        );
        // A padded word shorter than the smallest n-gram still contributes itself once.
        if (k >= charNgramMin || (k === padded && p === first)) {
          buckets[n] = fmix32(h) & mask;
          values[n++] = charNgramWeight;
        }
      }
    }
    return n;
  }
}

/**
 * The features of `text` as readable strings (`w:stem`, `b:stem stem`, `c:<ng`), in extraction
 * order. Slow; for tests and debugging only.
 */
export function featureStrings(
  text: string,
  options: Readonly<FeatureOptions> = DEFAULT_FEATURE_OPTIONS,
): string[] {
  validateFeatureOptions(options);
  const stop = new Set(STOPWORDS);
  const features: string[] = [];
  let prev: string | undefined;
  for (const word of tokenize(text)) {
    if (options.dropStopwords && stop.has(word)) continue;
    const stem = options.stemWords ? stemWord(word) : word;
    if (options.unigramWeight > 0) features.push(`w:${stem}`);
    if (options.bigramWeight > 0 && prev !== undefined) features.push(`b:${prev} ${stem}`);
    if (options.charNgramWeight > 0) {
      const padded = `<${word}>`;
      for (let p = 0; p < padded.length; p++) {
        for (let k = 1; k <= options.charNgramMax && p + k <= padded.length; k++) {
          if (k >= options.charNgramMin || (k === padded.length && p === 0))
            features.push(`c:${padded.slice(p, p + k)}`);
        }
      }
    }
    prev = stem;
  }
  return features;
}
