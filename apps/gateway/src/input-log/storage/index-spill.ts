import { join } from 'node:path';
import { errnoCode, errorMessage } from '../input-log.errors';
import type { IndexSpill } from './id-index';
import type { LogFs } from './log-fs';
import { writeFully } from './segment-writer';
import type { LogSink } from './segment-writer';

const CHUNK_NAME = /^chunk-\d{16}\.words$/;
const BYTES_PER_WORD = 4;

export function spillFileName(first: number): string {
  return `chunk-${String(first).padStart(16, '0')}.words`;
}

/**
 * The input-log index's spill as a file per chunk in a directory of its own
 * (`index/` in the log's). A cache, not a record: the index is rebuilt from
 * the segments at every start, which first empties the directory, so the
 * files are neither fsynced nor portable (words in the machine's byte
 * order). Changes run one at a time, in the order they were asked for; reads
 * run beside them.
 *
 * A write that fails leaves that chunk in memory (the index's doing) and is
 * said once in the log, until a write works again.
 */
export class FileIndexSpill implements IndexSpill {
  private queue: Promise<void> = Promise.resolve();
  private failing = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly fs: LogFs,
    private readonly logger: LogSink,
  ) {}

  write(first: number, words: Uint32Array): Promise<void> {
    return this.change(async () => {
      // Every time, not once: a directory removed behind our back comes back.
      await this.fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const path = this.pathOf(first);
      // Private like the log's own files (they tell how many requests came).
      const handle = await this.fs.open(path, 'w', 0o600);
      try {
        await writeFully(handle, bytesOf(words));
      } catch (error) {
        await handle.close().catch(() => undefined);
        await this.fs.unlink(path).catch(() => undefined);
        throw error;
      }
      await handle.close();
    });
  }

  patch(first: number, at: number, words: Uint32Array): Promise<void> {
    return this.change(async () => {
      const handle = await this.fs.open(this.pathOf(first), 'r+');
      try {
        const bytes = bytesOf(words);
        const { bytesWritten } = await handle.write(bytes, 0, bytes.length, at * BYTES_PER_WORD);
        if (bytesWritten !== bytes.length)
          throw Object.assign(new Error('short write'), { code: 'EIO' });
      } finally {
        await handle.close();
      }
    });
  }

  async read(first: number, at: number, count: number): Promise<Uint32Array | null> {
    let handle;
    try {
      handle = await this.fs.open(this.pathOf(first), 'r');
    } catch (error) {
      // Removed with its chunk after the index looked it up.
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    }
    try {
      const words = new Uint32Array(count);
      const bytes = bytesOf(words);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, at * BYTES_PER_WORD);
      return bytesRead === bytes.length ? words : null;
    } finally {
      await handle.close();
    }
  }

  remove(first: number): Promise<void> {
    return this.change(() => this.unlinkQuietly(this.pathOf(first)));
  }

  clear(): Promise<void> {
    return this.change(async () => {
      let names: string[];
      try {
        names = await this.fs.readdir(this.dir);
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return;
        throw error;
      }
      for (const name of names) {
        if (CHUNK_NAME.test(name)) await this.unlinkQuietly(join(this.dir, name));
      }
    });
  }

  /**
   * Waits for the changes asked for so far and refuses later ones, so that
   * nothing writes into the directory once the log is closed.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  /** Runs after every change asked for before it; says when changes start or stop failing. */
  private change(operation: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the input-log index is closed'));
    const done = this.queue.then(operation).then(
      () => {
        if (this.failing) this.logger.log(`the input-log index writes ${this.dir} again`);
        this.failing = false;
      },
      (error: unknown) => {
        if (!this.failing)
          this.logger.warn(
            `the input-log index cannot write ${this.dir} (${errorMessage(error)}); ` +
              'it keeps what it could not write there in memory',
          );
        this.failing = true;
        throw error;
      },
    );
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async unlinkQuietly(path: string): Promise<void> {
    try {
      await this.fs.unlink(path);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }

  private pathOf(first: number): string {
    return join(this.dir, spillFileName(first));
  }
}

function bytesOf(words: Uint32Array): Buffer {
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
}
