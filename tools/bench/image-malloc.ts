import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which allocator the bench starts our apps on: the one their images preload
 * (jemalloc; apps/<app>/Dockerfile), or glibc's malloc as a bare `node` has.
 */
export type MallocChoice = 'image' | 'glibc';

const MALLOC_CHOICES: readonly MallocChoice[] = ['image', 'glibc'];

/** A `--malloc` value. @throws Error naming the choices for any other. */
export function parseMallocChoice(text: string): MallocChoice {
  const choice = MALLOC_CHOICES.find((c) => c === text);
  if (!choice) throw new Error(`--malloc takes one of ${MALLOC_CHOICES.join(', ')}, not "${text}"`);
  return choice;
}

/**
 * The `ENV LD_PRELOAD=` an app's Dockerfile sets, or '' when it sets none.
 * Read from the file, as the bench reads the node flags from the serve
 * target: what the bench measures cannot drift from what the image runs.
 */
export function imagePreload(root: string, app: 'gateway' | 'predictor'): string {
  const dockerfile = readFileSync(join(root, 'apps', app, 'Dockerfile'), 'utf8');
  return /^ENV LD_PRELOAD=(\S+)\s*$/m.exec(dockerfile)?.[1] ?? '';
}

/** Whether the text of a `/proc/<pid>/maps` has a file mapped whose name is `soname`. */
export function mapsHaveLibrary(maps: string, soname: string): boolean {
  return maps.split('\n').some((line) => {
    const path = /\s(\/\S+)$/.exec(line)?.[1];
    return path !== undefined && path.slice(path.lastIndexOf('/') + 1) === soname;
  });
}

/**
 * Checks that a live process loaded the library it was told to preload. The
 * loader only warns on stderr when it cannot find one and starts the process
 * on glibc's malloc, which would make the bench measure the wrong allocator.
 * @throws Error naming the library and how to get it.
 */
export function assertPreloaded(name: string, pid: number, soname: string): void {
  if (mapsHaveLibrary(readFileSync(`/proc/${pid}/maps`, 'utf8'), soname)) return;
  throw new Error(
    `${name} was started with LD_PRELOAD=${soname}, as its image runs it, but the library did ` +
      `not load: install it (Debian: apt-get install libjemalloc2), or pass --malloc glibc`,
  );
}
