import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { assertPreloaded, imagePreload, mapsHaveLibrary } from './image-malloc';

const ROOT = join(__dirname, '..', '..');

describe(imagePreload.name, () => {
  it("reads the jemalloc both apps' images preload", () => {
    expect(imagePreload(ROOT, 'gateway')).toBe('libjemalloc.so.2');
    expect(imagePreload(ROOT, 'predictor')).toBe('libjemalloc.so.2');
  });
});

describe(mapsHaveLibrary.name, () => {
  const maps = [
    '7f2a3c000000-7f2a3c021000 r--p 00000000 08:01 1234   /usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
    '7f2a3c021000-7f2a3c100000 r-xp 00021000 08:01 1234   /usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
    '7f2a3d000000-7f2a3d200000 rw-p 00000000 00:00 0 ',
    '7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0      [stack]',
    '',
  ].join('\n');

  it('finds a library by its file name, in whichever directory the loader found it', () => {
    expect(mapsHaveLibrary(maps, 'libjemalloc.so.2')).toBe(true);
  });

  it('does not take a prefix, an unnamed mapping or a pseudo-file for it', () => {
    expect(mapsHaveLibrary(maps, 'libjemalloc.so')).toBe(false);
    expect(mapsHaveLibrary(maps, '0')).toBe(false);
    expect(mapsHaveLibrary(maps, '[stack]')).toBe(false);
  });
});

describe(assertPreloaded.name, () => {
  /** A node process started with this LD_PRELOAD, up and waiting for its stdin to close. */
  async function nodeWith(preload: string): Promise<{ pid: number; stop: () => void }> {
    const child = spawn(
      process.execPath,
      ['-e', "process.stdout.write('up'); process.stdin.resume()"],
      {
        env: { ...process.env, LD_PRELOAD: preload },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`node exited (${code}): ${stderr}`)));
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error('no pid');
    return { pid, stop: () => child.kill() };
  }

  it("passes for a process that runs on the images' jemalloc (Debian's libjemalloc2: .ci/run installs it)", async () => {
    const preload = imagePreload(ROOT, 'gateway');
    const child = await nodeWith(preload);
    try {
      // On failure, its error names the package to install.
      expect(() => assertPreloaded('gateway', child.pid, preload)).not.toThrow();
    } finally {
      child.stop();
    }
  });

  it('fails, naming the library and the way out, for a process whose preload did not load', async () => {
    // The loader warns and starts the process anyway, on glibc's malloc.
    const child = await nodeWith('libno-such-allocator.so.1');
    try {
      expect(() => assertPreloaded('gateway', child.pid, 'libno-such-allocator.so.1')).toThrow(
        /gateway was started with LD_PRELOAD=libno-such-allocator\.so\.1.*libjemalloc2.*--malloc glibc/,
      );
    } finally {
      child.stop();
    }
  });
});
