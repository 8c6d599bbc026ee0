import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LineBatch } from './line-batch';

/** Each line is 16 bytes; a chunk is 64 (four lines), as the root logger's SonicBoom is set. */
const CHUNK = 64;
const lineOf = (i: number): string => `{"n":${String(i).padStart(9, '0')}}\n`;

describe(LineBatch.name, () => {
  let dir: string;
  let file: string;
  let sink: ReturnType<typeof pino.destination>;
  let writes: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'line-batch-'));
    file = join(dir, 'out.log');
    sink = pino.destination({
      dest: file,
      sync: false,
      minLength: CHUNK,
      maxWrite: 2 * CHUNK,
      mkdir: true,
    });
    writes = 0;
    sink.on('write', () => writes++);
    // The file opens asynchronously; synchronous writes need it open.
    await new Promise((resolve) => sink.once('ready', resolve));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    sink.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const written = (): string => readFileSync(file, 'utf8');
  const nextWrite = (): Promise<void> =>
    new Promise((resolve) => sink.once('write', () => resolve()));

  it('writes a chunk of lines in one write, in order, without waiting for a tick', async () => {
    const batch = new LineBatch(sink, CHUNK);
    const wrote = nextWrite();
    for (let i = 0; i < 4; i++) batch.write(lineOf(i));
    await wrote;
    expect(written()).toBe([0, 1, 2, 3].map(lineOf).join(''));
    expect(writes).toBe(1);
  });

  it('keeps fewer lines than a chunk until the tick, which writes them', async () => {
    const batch = new LineBatch(sink, CHUNK);
    batch.write(lineOf(1));
    batch.write(lineOf(2));
    batch.tick();
    await nextWrite();
    expect(written()).toBe(lineOf(1) + lineOf(2));
  });

  it('does nothing on a tick when no line came', async () => {
    const batch = new LineBatch(sink, CHUNK);
    const flush = jest.spyOn(sink, 'flush');
    batch.tick();
    expect(flush).not.toHaveBeenCalled();
  });

  it('writes the waiting lines synchronously on flushSync (fatal, exit)', async () => {
    const batch = new LineBatch(sink, CHUNK);
    const wrote = nextWrite();
    for (let i = 0; i < 4; i++) batch.write(lineOf(i));
    await wrote;
    batch.write(lineOf(4));
    batch.write(lineOf(5));
    batch.flushSync();
    expect(written()).toBe([0, 1, 2, 3, 4, 5].map(lineOf).join(''));
  });

  it('writes synchronously, on flushSync, a remainder the sink kept after a write', async () => {
    const batch = new LineBatch(sink, CHUNK);
    const first = nextWrite();
    for (let i = 0; i < 4; i++) batch.write(lineOf(i));
    // Handed over while the first chunk is in flight: the sink keeps it (below its minLength).
    batch.write(lineOf(4));
    batch.write(lineOf(5));
    batch.tick();
    await first;
    for (let i = 6; i < 9; i++) batch.write(lineOf(i));
    // An asynchronous write begun now would not finish before the process exits.
    const asynchronous = jest.spyOn(fs, 'write');
    batch.flushSync();
    expect(asynchronous).not.toHaveBeenCalled();
    expect(written()).toBe([0, 1, 2, 3, 4, 5, 6, 7, 8].map(lineOf).join(''));
  });

  it('keeps every line, in order, when chunks arrive while a write is in flight', async () => {
    const batch = new LineBatch(sink, CHUNK);
    const lines = Array.from({ length: 41 }, (_, i) => lineOf(i));
    for (const line of lines) batch.write(line);
    batch.flush();
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (written().length === lines.join('').length) resolve();
        else sink.once('write', check);
      };
      check();
    });
    expect(written()).toBe(lines.join(''));
  });
});
