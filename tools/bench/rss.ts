/**
 * Where the gateway's resident memory goes, idle and after the bench's soak:
 * starts our built gateway and predictor as the bench does (`startOurs`: the
 * production node flags and allocator, every feature on), reads the gateway at idle, loads
 * it with forward requests at 64 connections for `--seconds`, and reads it
 * again. Each reading: RSS (anonymous + file-backed), the anonymous part by
 * mapping (glibc's main arena, the other threads' arenas, thread stacks, the
 * rest: V8's heap and array buffers), V8's heap spaces and `external` from
 * the gateway's own /metrics, and its threads. Also the gateway's CPU per
 * request over the load (/proc, all threads).
 *
 *   npx nx run tools:rss [-- --seconds 60 --gateway-node-args "--v8-pool-size=1"
 *                            --malloc glibc --snapshots tmp/rss]
 *
 * `--malloc glibc` starts them on glibc's malloc instead of the jemalloc their
 * images preload; glibc's arenas are then sorted out in the readings (with
 * jemalloc its memory is all in "the rest").
 *
 * `--snapshots DIR` writes a V8 heap snapshot of the gateway at idle and
 * after the load into DIR (`--heapsnapshot-signal`); writing one grows the
 * process's malloc heap, so the second reading is then not the soak's RSS.
 * Extra environment (MALLOC_ARENA_MAX, UV_THREADPOOL_SIZE) reaches the
 * services from this process's own.
 */
import autocannon from 'autocannon';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { anonPartsMiB, cpuMs, rssPartsMiB } from './proc-stats';
import { parseMallocChoice } from './image-malloc';
import { oursMallocLabel, startOurs, stopAll, useMallocForOurs } from './systems';
import type { System } from './systems';

interface Reading {
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
  mainArenaMiB: number;
  threadArenasMiB: number[];
  threadStacksMiB: number;
  otherAnonMiB: number;
  /** prom-client's V8 gauges, MB: heap total and used, per space, and `external`. */
  v8: Record<string, number>;
  threads: string[];
}

/** The V8 gauges of the gateway's /metrics (prom-client's default metrics), MB. */
async function v8Gauges(system: System): Promise<Record<string, number>> {
  const text = await (await fetch(`${system.url}/metrics`, { headers: system.headers })).text();
  const gauges: Record<string, number> = {};
  const line =
    /^nodejs_(heap_size_total|heap_size_used|external_memory|heap_space_size_(?:total|used))_bytes(?:\{space="(\w+)"\})? (\S+)$/gm;
  for (const match of text.matchAll(line)) {
    const [, metric = '', space, value = ''] = match;
    const bytes = Number(value);
    if (bytes > 0) gauges[space ? `${metric}:${space}` : metric] = bytes / 1e6;
  }
  return gauges;
}

function threadNames(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((task) =>
    readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim(),
  );
}

async function read(system: System, pid: number): Promise<Reading> {
  const { anonMiB, fileMiB } = rssPartsMiB(pid);
  const anon = anonPartsMiB(pid);
  return {
    rssMiB: anonMiB + fileMiB,
    anonMiB,
    fileMiB,
    mainArenaMiB: anon.mainArenaMiB,
    threadArenasMiB: anon.threadArenasMiB,
    threadStacksMiB: anon.threadStacksMiB,
    otherAnonMiB: anon.otherMiB,
    v8: await v8Gauges(system),
    threads: threadNames(pid),
  };
}

/**
 * Signals the gateway to write a heap snapshot into `dir` and waits until it
 * has: the write holds the event loop, so the first /metrics answered after
 * the file appeared comes after it is complete.
 */
async function snapshot(system: System, pid: number, dir: string): Promise<void> {
  const count = (): number => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;
  const before = count();
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  while (count() === before) {
    if (Date.now() > deadline) throw new Error('the gateway wrote no heap snapshot');
    await new Promise((done) => setTimeout(done, 100));
  }
  await v8Gauges(system);
}

const mib = (value: number): string => value.toFixed(1);

function print(label: string, reading: Reading): void {
  const v8 = reading.v8;
  const space = (name: string): string =>
    `${mib(v8[`heap_space_size_used:${name}`] ?? 0)} / ${mib(v8[`heap_space_size_total:${name}`] ?? 0)}`;
  console.log(`\n${label}`);
  console.log(
    `  RSS ${mib(reading.rssMiB)} MiB: anonymous ${mib(reading.anonMiB)}, file-backed ${mib(reading.fileMiB)}`,
  );
  console.log(
    `  anonymous: malloc main arena ${mib(reading.mainArenaMiB)}, other threads' arenas ` +
      `${mib(reading.threadArenasMiB.reduce((a, b) => a + b, 0))} ` +
      `(${reading.threadArenasMiB.map(mib).join(', ') || 'none'}), thread stacks ` +
      `${mib(reading.threadStacksMiB)}, the rest (V8 heap, array buffers, large mallocs) ${mib(reading.otherAnonMiB)}`,
  );
  console.log(
    `  V8 (MB, used / total): heap ${mib(v8.heap_size_used ?? 0)} / ${mib(v8.heap_size_total ?? 0)}; ` +
      `new ${space('new')}, old ${space('old')}, code ${space('code')}, large objects ${space('large_object')}; ` +
      `external ${mib(v8.external_memory ?? 0)}`,
  );
  console.log(`  threads: ${reading.threads.length} (${reading.threads.join(', ')})`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      seconds: { type: 'string', default: '60' },
      connections: { type: 'string', default: '64' },
      /** Node flags for the gateway, after its production ones. */
      'gateway-node-args': { type: 'string', default: '' },
      /** `image` (jemalloc, as the images run the apps) or `glibc`. */
      malloc: { type: 'string', default: 'image' },
      /** Write heap snapshots of the gateway, idle and after the load, into this directory. */
      snapshots: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(seconds > 0 && connections > 0)) throw new Error('--seconds and --connections are > 0');
  useMallocForOurs(parseMallocChoice(values.malloc));
  const snapshots = values.snapshots ? resolve(values.snapshots) : undefined;
  if (snapshots) mkdirSync(snapshots, { recursive: true });
  const gatewayNodeArgs = [
    ...values['gateway-node-args'].split(' ').filter(Boolean),
    ...(snapshots ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`] : []),
  ];
  const system = await startOurs(1, { gatewayNodeArgs });
  try {
    const gateway = system.processes.find((p) => p.name === system.front);
    if (!gateway) throw new Error('no gateway started');
    const idle = await read(system, gateway.pid);
    if (snapshots) await snapshot(system, gateway.pid, snapshots);
    const cpuBefore = cpuMs(gateway.pid);
    const result = await autocannon({
      url: `${system.url}/process`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...system.headers },
      body: JSON.stringify({ data: 'wags its tail when I come home', forward_to_model: true }),
      connections,
      duration: seconds,
      pipelining: 1,
    });
    const cpuUs = ((cpuMs(gateway.pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
    const loaded = await read(system, gateway.pid);
    if (snapshots) await snapshot(system, gateway.pid, snapshots);
    console.log(
      `${oursMallocLabel()}; gateway node flags added: ${gatewayNodeArgs.join(' ') || 'none'}; ` +
        `load: ${seconds} s forward at ${connections} connections, ${result.requests.total} requests ` +
        `(${Math.round(result.requests.average)} req/s, ${result.non2xx} non-2xx), ` +
        `gateway CPU ${Math.round(cpuUs)} µs per request`,
    );
    print('idle, after start', idle);
    print(`after ${seconds} s of load`, loaded);
    if (snapshots) console.log(`\nheap snapshots (idle, then after the load) in ${snapshots}`);
  } finally {
    await stopAll();
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
