import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyConfigError, ApiKeyVerifier, readApiKeysFile } from './api-key.verifier';

const KEY_A = 'alpha-key-0123456789';
const KEY_B = 'bravo-key-0123456789';

describe(ApiKeyVerifier.name, () => {
  it('accepts exactly the configured keys and names each by a digest prefix', () => {
    const verifier = new ApiKeyVerifier([KEY_A, KEY_B]);
    const a = verifier.verify(KEY_A);
    const b = verifier.verify(KEY_B);
    expect(a).toMatch(/^[\da-f]{12}$/);
    expect(b).toMatch(/^[\da-f]{12}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(KEY_A);
  });

  it.each([
    ['a wrong key', 'alpha-key-0123456788'],
    ['a prefix', 'alpha-key'],
    ['a longer key', `${KEY_A}x`],
    ['an empty string', ''],
    ['the key with spaces around', ` ${KEY_A} `],
    ['a different case', KEY_A.toUpperCase()],
  ])('refuses %s', (_what, presented) => {
    expect(new ApiKeyVerifier([KEY_A]).verify(presented)).toBeUndefined();
  });

  it('is off with no key and counts duplicates once', () => {
    expect(new ApiKeyVerifier([]).enabled).toBe(false);
    expect(new ApiKeyVerifier([KEY_A, KEY_A]).size).toBe(1);
  });

  it('merges API_KEYS and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, `${KEY_B}\n`);
      const verifier = ApiKeyVerifier.fromSources(` ${KEY_A} `, file);
      expect(verifier.size).toBe(2);
      expect(verifier.verify(KEY_A)).toBeDefined();
      expect(verifier.verify(KEY_B)).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(readApiKeysFile.name, () => {
  let dir: string;
  const file = (text: string): string => {
    const path = join(dir, `keys-${Math.random()}`);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads one key per line, skipping blank lines and comments, with CRLF too', () => {
    const path = file(
      `# team keys\n\n${KEY_A}\r\n  ${KEY_B}   # the CI key\n   # indented comment\n`,
    );
    expect(readApiKeysFile(path)).toEqual([KEY_A, KEY_B]);
  });

  it.each([
    ['a short key', 'short\n', 'line 1'],
    ['two keys on a line', `${KEY_A} ${KEY_B}\n`, 'line 1'],
    ['a key with a comma', `# c\n${KEY_A},${KEY_B}\n`, 'line 2'],
  ])('refuses %s by line number, without echoing it', (_what, text, line) => {
    const path = file(text);
    expect(() => readApiKeysFile(path)).toThrow(ApiKeyConfigError);
    expect(() => readApiKeysFile(path)).toThrow(`API_KEYS_FILE=${path}: ${line} is not a key`);
    try {
      readApiKeysFile(path);
    } catch (error) {
      expect((error as Error).message).not.toContain(KEY_A.slice(0, 10));
    }
  });

  it('refuses a file with no key, so that a mistake never turns auth off', () => {
    const path = file('# nothing yet\n\n');
    expect(() => readApiKeysFile(path)).toThrow(`API_KEYS_FILE=${path}: the file holds no key`);
  });

  it('names the variable and the reason when the file cannot be read', () => {
    expect(() => readApiKeysFile(join(dir, 'missing'))).toThrow(
      /^API_KEYS_FILE=.*missing: cannot read the file \(ENOENT\)$/,
    );
  });
});
