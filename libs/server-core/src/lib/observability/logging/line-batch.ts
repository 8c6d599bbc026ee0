/** The part of a SonicBoom (pino's destination) that a batch hands its lines to. */
export interface LineSink {
  write(text: string): boolean;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Gathers log lines into strings of about `chunkBytes` in front of pino's
 * SonicBoom, which is made with `minLength` equal to `chunkBytes` (so that a
 * chunk is written at once, and a smaller remainder only when flushed) and a
 * `maxWrite` of twice that (so that chunks that arrive while a write is in
 * flight queue side by side instead of being appended to one another).
 *
 * SonicBoom gathers lines by itself, but it appends each line to its last
 * buffered string and then measures that string's UTF-8 length, which
 * flattens the whole buffer again on every line: under load, kilobytes copied
 * per line (~7 KB of the gateway's ~50 KB allocated per request). Here the
 * lines wait in an array and are joined once per chunk.
 *
 * A crash loses what it lost before: the lines not yet written (less than a
 * chunk, or one flush interval). `flushSync` (pino's `fatal`, and the
 * process's `exit`, see createRootLogger) writes the waiting ones synchronously.
 */
export class LineBatch {
  private lines: string[] = [];
  /** UTF-16 length of the waiting lines: close enough to their bytes for a chunk's size. */
  private length = 0;
  /** Whether a remainder may wait in the sink since the last tick. */
  private handedOver = false;

  constructor(
    private readonly sink: LineSink,
    private readonly chunkBytes: number,
  ) {}

  /** pino's destination call, once per line. */
  write(line: string): boolean {
    this.lines.push(line);
    this.length += line.length;
    if (this.length >= this.chunkBytes) this.handOver();
    return true;
  }

  /**
   * The periodic flush: whatever waits, here or in the sink, is written. Does
   * nothing when no line came since the last tick (a SonicBoom flush of an
   * empty buffer still queues an empty write on libuv's thread pool, which
   * the input log's synced writes share).
   */
  tick(): void {
    if (!this.handedOver && this.lines.length === 0) return;
    this.handOver();
    this.handedOver = false;
    this.sink.flush();
  }

  /** pino's `logger.flush()`. */
  flush(callback?: (error?: Error) => void): void {
    this.handOver();
    this.sink.flush(callback);
  }

  /** Every waiting line is on the file descriptor when this returns. */
  flushSync(): void {
    // First the sink's own buffer, so that what is handed over next stays below its minLength
    // and is buffered (not begun as an asynchronous write that would not finish), then it.
    this.sink.flushSync();
    this.handOver();
    this.sink.flushSync();
  }

  private handOver(): void {
    const { lines } = this;
    if (lines.length === 0) return;
    this.lines = [];
    this.length = 0;
    this.handedOver = true;
    this.sink.write(lines.length === 1 ? lines[0] : lines.join(''));
  }
}
