/**
 * Compares input-log engines behind the gateway's store interface: today's
 * segment log, LMDB (`lmdb`) and SQLite (`node:sqlite` in a worker thread).
 * Prints the table docs/input-log.md quotes ("Why our own engine").
 *
 *   npx nx run tools:input-log-engines [-- --rounds 20 --repeat 3 --seconds 5 --engines segment,lmdb,sqlite]
 *
 * Figures are medians over the repeats (each field on its own).
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashTest } from './crash-test';
import { ENGINES, isEngineName } from './engines';
import type { EngineName } from './engines';
import {
  addCounts,
  countLines,
  medianRun,
  renderCostTable,
  renderTable,
  summarizeCrashes,
} from './measure';
import type { CrashSummary, EngineReport, LineCount, ThroughputResult } from './measure';
import { runThroughput } from './throughput';

const ROOT = join(__dirname, '..', '..');
const STORAGE = 'apps/gateway/src/input-log/storage';

/** Our own code each engine needs for the store interface and the shipper's outbox (specs apart). */
async function sourcesOf(engine: EngineName): Promise<string[]> {
  switch (engine) {
    case 'segment':
      return (await readdir(join(ROOT, STORAGE)))
        .filter((name) => name.endsWith('.ts') && !name.includes('.spec.'))
        .map((name) => join(STORAGE, name));
    case 'lmdb':
    case 'lmdb-overlap':
      return [
        'tools/input-log-engines/lmdb-log.store.ts',
        'tools/input-log-engines/store-common.ts',
      ];
    case 'sqlite':
      return [
        'tools/input-log-engines/sqlite-log.store.ts',
        'tools/input-log-engines/sqlite-log.worker.ts',
        'tools/input-log-engines/store-common.ts',
      ];
  }
}

async function linesOf(engine: EngineName): Promise<LineCount> {
  const files = await sourcesOf(engine);
  return addCounts(
    await Promise.all(
      files.map(async (file) => countLines(await readFile(join(ROOT, file), 'utf8'))),
    ),
  );
}

async function withTempDir<T>(label: string, use: (dir: string) => Promise<T>): Promise<T> {
  // Under the system temp dir: on this machine the same ext4 disk as the gateway's data.
  const dir = await mkdtemp(join(tmpdir(), `input-log-${label}-`));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      engines: { type: 'string', default: ENGINES.join(',') },
      rounds: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '1,64' },
      'crash-writers': { type: 'string', default: '16' },
      repeat: { type: 'string', default: '3' },
    },
  });
  const engines = values.engines.split(',').filter(isEngineName);
  const concurrencies = values.concurrency.split(',').map(Number);
  const rounds = Number(values.rounds);
  const crashes = new Map<EngineName, CrashSummary>();
  for (const engine of engines) {
    if (rounds <= 0) break;
    const results = await withTempDir(`${engine}-crash`, (dir) =>
      runCrashTest(engine, dir, {
        rounds,
        concurrency: Number(values['crash-writers']),
        minDelayMs: 5,
        maxDelayMs: 600,
        onRound: (round, result) =>
          console.error(
            `${engine} kill ${round + 1}: ${result.acknowledged} acknowledged, ${result.missing} missing, readable: ${result.readable}`,
          ),
      }),
    );
    crashes.set(engine, summarizeCrashes(results));
  }
  // Repeats interleave the engines (in turn first), so that a noisy neighbour hurts all alike.
  const runs = new Map<EngineName, ThroughputResult[]>();
  for (let repeat = 0; repeat < Number(values.repeat); repeat++) {
    const order = engines.map((_, i) => engines[(i + repeat) % engines.length]);
    for (const engine of order)
      for (const concurrency of concurrencies) {
        const result = await withTempDir(`${engine}-bench`, (dir) =>
          runThroughput(engine, dir, concurrency, Number(values.seconds), Number(values.warmup)),
        );
        console.error(
          `${engine} @${concurrency}: ${result.appendsPerSecond.toFixed(0)} appends/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ` +
            `${(result.cpuUsPerAppend ?? Number.NaN).toFixed(0)} µs CPU/append, event-loop p99 ${(result.loopDelayP99Ms ?? Number.NaN).toFixed(2)} ms`,
        );
        runs.set(engine, [...(runs.get(engine) ?? []), result]);
      }
  }
  const reports: EngineReport[] = [];
  for (const engine of engines)
    reports.push({
      engine,
      crash: crashes.get(engine) ?? null,
      throughput: concurrencies.map((c) =>
        medianRun((runs.get(engine) ?? []).filter((run) => run.concurrency === c)),
      ),
      lines: await linesOf(engine),
    });
  console.log(renderTable(reports, concurrencies));
  console.log();
  console.log(renderCostTable(reports));
  console.log();
  console.log(JSON.stringify({ reports, runs: Object.fromEntries(runs) }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
