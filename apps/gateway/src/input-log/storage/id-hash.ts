import { randomBytes } from 'node:crypto';

/**
 * A 64-bit hash of an id, written as two unsigned 32-bit halves into
 * `out[0]` (low) and `out[1]` (high): a result array would be an allocation
 * per input on the write path and per record at recovery.
 */
export type IdHash = (id: string, out: Uint32Array) => void;

// Read once: where the global object is a vm context's (jest), every `Math.`
// lookup in a loop is a slow global access, 20 times the cost of the hash.
const { imul } = Math;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** One MurmurHash3 (x86, 32-bit) block step. */
function mixBlock(h: number, block: number): number {
  let k = imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's tail step: no rotation of the state after it. */
function mixTail(h: number, block: number): number {
  let k = imul(block, C1);
  k = (k << 15) | (k >>> 17);
  return h ^ imul(k, C2);
}

function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Two MurmurHash3-style passes over the id's UTF-16 code units (two per
 * block, so no encoding to bytes first), one per half, each with its own seed.
 * Random seeds (the default) keep clients, who choose the ids, from aiming
 * many ids at one stretch of the index's hash table; the hashes never leave
 * the process, so they need not be stable across restarts.
 */
export function seededIdHash(seedLow?: number, seedHigh?: number): IdHash {
  const seeds = randomBytes(8);
  const low0 = (seedLow ?? seeds.readUInt32LE(0)) | 0;
  const high0 = (seedHigh ?? seeds.readUInt32LE(4)) | 0;
  return (id, out) => {
    let low = low0;
    let high = high0;
    const length = id.length;
    const even = length & ~1;
    for (let i = 0; i < even; i += 2) {
      const block = id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16);
      low = mixBlock(low, block);
      high = mixBlock(high, block);
    }
    if (even !== length) {
      const block = id.charCodeAt(even);
      low = mixTail(low, block);
      high = mixTail(high, block);
    }
    out[0] = finish(low, length);
    out[1] = finish(high, length);
  };
}
