import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncedLines } from './synced-lines';

describe(SyncedLines.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synced-lines-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves each append only once its line is in the file, in the order of the calls', async () => {
    const path = join(dir, 'lines');
    const log = await SyncedLines.open(path);
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}\n`);
    await Promise.all(
      lines.map((line) =>
        log.append(line).then(() => expect(readFileSync(path, 'utf8')).toContain(line)),
      ),
    );
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
    await log.close();
  });

  it('appends to what the file already holds', async () => {
    const path = join(dir, 'lines');
    const first = await SyncedLines.open(path);
    await first.append('a\n');
    await first.close();
    const second = await SyncedLines.open(path);
    await second.append('b\n');
    await second.close();
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
  });

  it('rejects the appends of a batch that could not be written', async () => {
    const log = await SyncedLines.open(join(dir, 'lines'));
    await log.close();
    await expect(log.append('lost\n')).rejects.toThrow();
  });
});
