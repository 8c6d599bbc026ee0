import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { errnoCode } from './input-log.errors';
import { syncDirectory } from './storage/log-fs';
import type { LogFs } from './storage/log-fs';
import type { RedactedData, Redaction } from './input-log.types';

/** Name of the generated salt in the log directory (mode 0600). */
export const SALT_FILE = 'hash-salt';
const SALT_TEXT = /^[0-9a-f]{64}$/;

/**
 * What of `data` is stored. `hash` is HMAC-SHA-256 keyed with the salt: equal
 * inputs still match (duplicates, lookups by a known text) but a short or
 * guessable text cannot be found by hashing candidates without the salt.
 */
export function redact(data: string, redaction: Redaction, salt: Buffer | null): RedactedData {
  switch (redaction) {
    case 'none':
      return { redaction, data };
    case 'hash':
      if (!salt) throw new Error('hash redaction needs a salt');
      return {
        redaction,
        data_hash: createHmac('sha256', salt).update(data, 'utf8').digest('hex'),
      };
    case 'length':
      // UTF-16 code units, as MAX_INPUT_CHARS and the prediction's input_length count.
      return { redaction, data_length: data.length };
  }
}

/**
 * The hash salt: INPUT_LOG_HASH_SALT when set (so it can live in a secret
 * store, away from the log), else `hash-salt` in the log directory, created
 * once with 32 random bytes. Persisting it keeps hashes comparable across
 * restarts; whoever can read the directory can read it too, which is why the
 * variable exists.
 * @throws when the salt file exists but is not one this code wrote.
 */
export async function resolveSalt(
  fs: LogFs,
  dir: string,
  configured: string | undefined,
): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const path = join(dir, SALT_FILE);
  try {
    const text = (await fs.readFile(path, 'utf8')).trim();
    // Regenerating a damaged salt would silently change every later hash.
    if (!SALT_TEXT.test(text))
      throw new Error(`${path} is not a 64-hex-digit salt; fix or remove it`);
    return Buffer.from(text, 'hex');
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  const salt = randomBytes(32);
  const handle = await fs.open(path, 'wx', 0o600);
  try {
    await handle.writeFile(`${salt.toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(fs, dir);
  return salt;
}
