import { hash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { API_KEY_PATTERN, splitList } from '../config/gateway.config';

/** A key source that cannot be used; the message names the variable, never a key. */
export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigError';
  }
}

/**
 * One-shot: no Hash object per call. Hashing the presented key was ~1.8% of
 * the gateway's CPU per request through `createHash().update().digest()`.
 */
function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

/**
 * The keys of an API_KEYS_FILE: one per line; blank lines and lines starting
 * with `#` are skipped, and `# …` after a key (and whitespace) is a comment.
 *
 * @throws ApiKeyConfigError when the file cannot be read, holds a malformed
 *   line (by line number; the line is not echoed) or holds no key at all, so
 *   that a mistake never turns authentication off silently.
 */
export function readApiKeysFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ApiKeyConfigError(`API_KEYS_FILE=${path}: cannot read the file (${code})`);
  }
  const keys: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [key = '', comment] = trimmed.split(/\s+/, 2);
    if (!API_KEY_PATTERN.test(key) || (comment !== undefined && !comment.startsWith('#'))) {
      throw new ApiKeyConfigError(
        `API_KEYS_FILE=${path}: line ${index + 1} is not a key (16 to 512 visible ASCII characters, no spaces or commas)`,
      );
    }
    keys.push(key);
  });
  if (keys.length === 0)
    throw new ApiKeyConfigError(`API_KEYS_FILE=${path}: the file holds no key`);
  return keys;
}

/**
 * The accepted API keys, kept only as SHA-256 digests. A presented key is
 * hashed and compared with every digest by `timingSafeEqual`, without an early
 * exit: equal-length digests mean the comparison time says nothing about the
 * length or the content of a key, nor about which key matched.
 */
export class ApiKeyVerifier {
  private readonly digests: Buffer[];
  private readonly ids: string[];

  constructor(keys: readonly string[]) {
    const unique = [...new Set(keys)];
    this.digests = unique.map(sha256);
    // A short, log-safe name of each key: a prefix of its digest, never the key.
    this.ids = this.digests.map((digest) => digest.subarray(0, 6).toString('hex'));
  }

  /**
   * From API_KEYS (already validated) and the file of API_KEYS_FILE, merged.
   * @throws ApiKeyConfigError from `readApiKeysFile`.
   */
  static fromSources(list: string | undefined, file: string | undefined): ApiKeyVerifier {
    return new ApiKeyVerifier([...splitList(list), ...(file ? readApiKeysFile(file) : [])]);
  }

  /** False when no key is configured: authentication is off. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  get size(): number {
    return this.digests.length;
  }

  /** The id of the key `presented` matches, or undefined; takes the same time whichever. */
  verify(presented: string): string | undefined {
    const digest = sha256(presented);
    let match: string | undefined;
    for (let i = 0; i < this.digests.length; i += 1) {
      // No break: every digest is compared whatever matched before.
      if (timingSafeEqual(digest, this.digests[i]) && match === undefined) match = this.ids[i];
    }
    return match;
  }
}
