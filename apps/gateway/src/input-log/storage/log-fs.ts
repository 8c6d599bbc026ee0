import * as fsPromises from 'node:fs/promises';

/**
 * The file system calls the input log makes. Production passes node's own;
 * specs wrap it to count fsyncs or to fail on cue (a full disk cannot be
 * conjured on a shared test machine, and root ignores permission bits).
 */
export type LogFs = Pick<
  typeof fsPromises,
  'open' | 'mkdir' | 'chmod' | 'readdir' | 'stat' | 'unlink' | 'readFile'
>;

export const nodeLogFs: LogFs = fsPromises;

/** Makes a directory's entries (a new or removed file) durable, which fsync on the file does not. */
export async function syncDirectory(fs: LogFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
