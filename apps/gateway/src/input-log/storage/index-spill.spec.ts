import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instrumentedFs } from '../../testing/instrumented-fs';
import { makeTempDir, removeTempDir } from '../../testing/temp-dir';
import { FileIndexSpill, spillFileName } from './index-spill';
import { nodeLogFs } from './log-fs';
import type { LogFs } from './log-fs';

describe(FileIndexSpill.name, () => {
  let root: string;
  let dir: string;
  let messages: string[];
  const spills: FileIndexSpill[] = [];

  beforeEach(async () => {
    root = await makeTempDir('index-spill');
    dir = join(root, 'index');
    messages = [];
  });

  afterEach(async () => {
    await Promise.all(spills.splice(0).map((spill) => spill.close()));
    await removeTempDir(root);
  });

  function spillIn(fs: LogFs = nodeLogFs): FileIndexSpill {
    const sink = (level: string) => (message: string) => messages.push(`${level}: ${message}`);
    const spill = new FileIndexSpill(dir, fs, {
      log: sink('log'),
      warn: sink('warn'),
      error: sink('error'),
    });
    spills.push(spill);
    return spill;
  }

  it('stores a chunk in a file of its own, reads any words of it back, and patches them', async () => {
    const spill = spillIn();
    const words = Uint32Array.from({ length: 12 }, (_, i) => i * 1000 + 7);
    await spill.write(8193, words);
    expect(await readdir(dir)).toEqual([spillFileName(8193)]);
    expect(spillFileName(8193)).toBe('chunk-0000000000008193.words');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, spillFileName(8193)))).mode & 0o777).toBe(0o600);
    expect(await spill.read(8193, 0, 12)).toEqual(words);
    expect(await spill.read(8193, 9, 3)).toEqual(Uint32Array.of(9007, 10007, 11007));

    await spill.patch(8193, 9, Uint32Array.of(1, 0xffff_ffff, 3));
    expect(await spill.read(8193, 6, 6)).toEqual(
      Uint32Array.of(6007, 7007, 8007, 1, 0xffff_ffff, 3),
    );
  });

  it('reads null for a chunk it does not hold, or past its end', async () => {
    const spill = spillIn();
    expect(await spill.read(1, 0, 1)).toBeNull();
    await spill.write(1, Uint32Array.of(1, 2));
    expect(await spill.read(1, 1, 2)).toBeNull();
    await spill.remove(1);
    expect(await spill.read(1, 0, 1)).toBeNull();
    await spill.remove(1);
  });

  it('clears its own files, those of an earlier process included, and nothing else', async () => {
    const spill = spillIn();
    await spill.write(1, Uint32Array.of(1));
    await writeFile(join(dir, spillFileName(99)), 'left by an earlier process');
    await writeFile(join(dir, 'notes.txt'), 'not ours');
    await spill.clear();
    expect(await readdir(dir)).toEqual(['notes.txt']);
    // Also when there is nothing to clear.
    await removeTempDir(dir);
    await spill.clear();
  });

  it('runs changes in the order they were asked for', async () => {
    const spill = spillIn();
    const done = [
      spill.write(1, Uint32Array.of(1, 2, 3)),
      spill.patch(1, 1, Uint32Array.of(20)),
      spill.remove(1),
      spill.write(1, Uint32Array.of(4, 5, 6)),
      spill.patch(1, 2, Uint32Array.of(60)),
    ];
    await Promise.all(done);
    expect(await spill.read(1, 0, 3)).toEqual(Uint32Array.of(4, 5, 60));
  });

  it('fails a write on a full disk without leaving part of it, says so once, and says when it writes again', async () => {
    const { fs, probe } = instrumentedFs();
    const spill = spillIn(fs);
    probe.failWrite = 'ENOSPC';
    probe.partialWrite = true;
    await expect(spill.write(1, new Uint32Array(1024))).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(spill.write(2, new Uint32Array(1024))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
    expect(messages).toEqual([
      expect.stringMatching(
        /^warn: the input-log index cannot write .*index \(.*ENOSPC.*\); it keeps what it could not write there in memory$/,
      ),
    ]);

    probe.failWrite = null;
    await spill.write(3, Uint32Array.of(3));
    expect(messages[1]).toMatch(/^log: the input-log index writes .*index again$/);
    expect(await spill.read(3, 0, 1)).toEqual(Uint32Array.of(3));
  });

  it('waits for the changes asked for when closed, and refuses later ones', async () => {
    const spill = spillIn();
    const written = spill.write(1, Uint32Array.of(1));
    await spill.close();
    await written;
    expect(await readdir(dir)).toEqual([spillFileName(1)]);
    await expect(spill.write(2, Uint32Array.of(2))).rejects.toThrow('closed');
    expect(await readdir(dir)).toEqual([spillFileName(1)]);
  });
});
