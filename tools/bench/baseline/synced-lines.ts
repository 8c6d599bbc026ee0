import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

interface Waiting {
  line: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The least a durable log can do, for the durable floor: lines appended to one
 * file opened with O_APPEND | O_DSYNC (as the input log opens its segments on
 * Linux), with group commit: one write in flight, and whatever arrives while it
 * runs goes out together in the next. No framing, checksum, index, rotation,
 * recovery or outcome records: every one of those is ours to pay on top.
 */
export class SyncedLines {
  private readonly queue: Waiting[] = [];
  private writing = false;

  private constructor(private readonly handle: FileHandle) {}

  static async open(path: string): Promise<SyncedLines> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;
    return new SyncedLines(await open(path, flags, 0o600));
  }

  /** Resolves once the line is on stable storage. */
  append(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.queue.length);
      try {
        const bytes = Buffer.from(batch.map((w) => w.line).join(''), 'utf8');
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await this.handle.write(bytes, written);
          written += bytesWritten;
        }
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.writing = false;
  }
}
