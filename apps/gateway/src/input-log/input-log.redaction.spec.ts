import { createHmac } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../testing/temp-dir';
import { nodeLogFs } from './storage/log-fs';
import { SALT_FILE, redact, resolveSalt } from './input-log.redaction';

describe('redact', () => {
  const salt = Buffer.from('0123456789abcdef');

  it('keeps the text, a keyed hash of it, or its length', () => {
    expect(redact('héllo', 'none', null)).toEqual({ redaction: 'none', data: 'héllo' });
    expect(redact('héllo', 'length', null)).toEqual({ redaction: 'length', data_length: 5 });
    expect(redact('héllo', 'hash', salt)).toEqual({
      redaction: 'hash',
      data_hash: createHmac('sha256', salt).update('héllo', 'utf8').digest('hex'),
    });
  });

  it('hashes equal texts alike and depends on the salt', () => {
    expect(redact('a', 'hash', salt)).toEqual(redact('a', 'hash', salt));
    expect(redact('a', 'hash', salt)).not.toEqual(
      redact('a', 'hash', Buffer.from('another salt....')),
    );
    expect(redact('a', 'hash', salt)).not.toEqual(redact('b', 'hash', salt));
  });

  it('refuses to hash without a salt', () => {
    expect(() => redact('a', 'hash', null)).toThrow('salt');
  });
});

describe('resolveSalt', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir('salt');
  });

  afterEach(async () => {
    await removeTempDir(dir);
  });

  it('generates a private salt file once and reuses it', async () => {
    const first = await resolveSalt(nodeLogFs, dir, undefined);
    expect(first).toHaveLength(32);
    expect((await stat(join(dir, SALT_FILE))).mode & 0o777).toBe(0o600);
    expect(await resolveSalt(nodeLogFs, dir, undefined)).toEqual(first);
  });

  it('uses INPUT_LOG_HASH_SALT when set, and writes nothing', async () => {
    expect(await resolveSalt(nodeLogFs, dir, 'from-a-secret-store')).toEqual(
      Buffer.from('from-a-secret-store'),
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a damaged salt file rather than silently changing every hash', async () => {
    await writeFile(join(dir, SALT_FILE), 'not hex\n');
    await expect(resolveSalt(nodeLogFs, dir, undefined)).rejects.toThrow('not a 64-hex-digit salt');
    expect(await readFile(join(dir, SALT_FILE), 'utf8')).toBe('not hex\n');
  });
});
