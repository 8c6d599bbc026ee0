import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openEngine } from './engines';
import type { EngineName } from './engines';
import type { CrashRound } from './measure';

export interface CrashOptions {
  rounds: number;
  concurrency: number;
  /** The kill comes this many ms after the first acknowledgement, at random, up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Told after each round. */
  onRound?: (round: number, result: CrashRound) => void;
}

const ROOT = join(__dirname, '..', '..');

/** Runs one writer until it is SIGKILLed; resolves with the ids it acknowledged. */
function killWriterAtRandom(
  engine: EngineName,
  dir: string,
  prefix: string,
  options: CrashOptions,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register',
        // The gateway's store imports workspace libraries by their path aliases,
        // and those carry decorated DTOs.
        '-r',
        'tsconfig-paths/register',
        '-r',
        'reflect-metadata',
        join(__dirname, 'crash-writer.ts'),
        engine,
        dir,
        String(options.concurrency),
        prefix,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tools', 'tsconfig.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked: string[] = [];
    let rest = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') continue;
        acked.push(line);
        if (!timer) {
          const span = options.maxDelayMs - options.minDelayMs;
          timer = setTimeout(
            () => {
              killed = true;
              child.kill('SIGKILL');
            },
            options.minDelayMs + Math.random() * span,
          );
        }
      }
    });
    child.on('error', reject);
    // 'close' waits for stdout to end: every id the writer printed has been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed && signal === 'SIGKILL') resolve(acked);
      else
        reject(
          new Error(`writer ended by itself (code ${code}, ${signal}): ${stderr.slice(-2000)}`),
        );
    });
  });
}

/** Reopens the store and checks that every acknowledged id is there and that it pages. */
async function verify(
  engine: EngineName,
  dir: string,
  acked: readonly string[],
): Promise<CrashRound> {
  const opened = await openEngine(engine, dir);
  const store = opened.store;
  try {
    let missing = 0;
    for (const id of acked) if (!(await store.find(id))) missing++;
    let readable = true;
    try {
      let before: string | undefined;
      for (let page = 0; page < 5; page++) {
        const result = await store.list({ limit: 100, ...(before ? { before } : {}) });
        if (!result.next) break;
        before = result.next;
      }
    } catch {
      readable = false;
    }
    return { acknowledged: acked.length, missing, readable };
  } finally {
    await opened.close();
  }
}

/**
 * SIGKILLs a writer `rounds` times on one directory, each time at a random
 * moment while it acknowledges writes, then reopens the store and checks.
 */
export async function runCrashTest(
  engine: EngineName,
  dir: string,
  options: CrashOptions,
): Promise<CrashRound[]> {
  const results: CrashRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const acked = await killWriterAtRandom(engine, dir, `k${round}`, options);
    let result: CrashRound;
    try {
      result = await verify(engine, dir, acked);
    } catch {
      result = { acknowledged: acked.length, missing: acked.length, readable: false };
    }
    results.push(result);
    options.onRound?.(round, result);
  }
  return results;
}
