/**
 * The project's benchmark: our gateway + predictor (built JS, plain node)
 * against a raw-Node baseline (node:http in front, one persistent node:net
 * socket with length-prefixed JSON behind, same model), in the same run,
 * interleaved, printing requests/s and latency percentiles with the ratios.
 *
 *   npx nx run tools:bench [-- --duration 5 --warmup 1 --repeat 1 --connections 1,64
 *                              --soak 60 --scale 1,2,3 --floors 1]
 *
 * Besides the table it reports each process's CPU time per request (from
 * /proc, all threads), the 1-connection latency at microsecond resolution,
 * each of our processes' start-to-ready time (spawn to /health/ready = 200),
 * their RSS at the end of the table's runs and, on a fresh system, after
 * `--soak` seconds of forward load at 64 connections (0 skips it), and the
 * forward path at 64 connections with each predictor count of `--scale`
 * behind one gateway (0 skips it). With `--floors 1` (the default) it
 * also runs the framework floors, the baseline's own logic on plain Fastify
 * and on plain Nest, to show what the frameworks cost before any feature.
 */
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { probeLatency } from './latency-probe';
import type { LatencySummary } from './latency-probe';
import { cpuMs, rssMiB } from './proc-stats';
import { runStamp, startBaseline, startOurs, stopAll } from './systems';
import type { System } from './systems';

interface Options {
  duration: number;
  warmup: number;
  repeat: number;
  connections: number[];
  /** Predictor processes behind our gateway. */
  predictors: number;
  /** Seconds of forward load at 64 connections before reading RSS; 0 skips. */
  soak: number;
  /** Predictor counts for the scale-out runs (forward, 64 connections); 0 skips. */
  scale: number[];
  /** Also run the framework floors (the baseline's logic on Fastify, and on Nest) at each connection count above 1. */
  floors: boolean;
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const text = (fallback: string) => ({ type: 'string', default: fallback }) as const;
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: text('5'),
      warmup: text('1'),
      repeat: text('1'),
      connections: text('1,64'),
      predictors: text('1'),
      floors: text('1'),
      soak: text('60'),
      scale: text('1,2,3'),
      out: text(join('tmp', 'bench')),
    },
  });
  return {
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    repeat: Number(values.repeat),
    connections: values.connections.split(',').map(Number),
    predictors: Number(values.predictors),
    floors: values.floors !== '0',
    soak: Number(values.soak),
    // `--scale 0` skips the scale-out runs.
    scale: values.scale
      .split(',')
      .map(Number)
      .filter((count) => Number.isInteger(count) && count > 0),
    out: values.out,
  };
}

interface Scenario {
  name: string;
  forward: boolean;
  connections: number;
}

interface Measurement {
  system: System['name'];
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU time (all threads) per answered request, µs, by process name. */
  cpuUsPerRequest: Record<string, number>;
  /** 1-connection scenarios: per-request latency at µs resolution (see probeLatency). */
  latency?: LatencySummary;
}

function bodyOf(scenario: Scenario): string {
  return JSON.stringify({
    data: 'wags its tail when I come home',
    forward_to_model: scenario.forward,
  });
}

/** One measured autocannon run against a warmed-up system, with each process's CPU per request. */
async function measure(
  system: System,
  scenario: Scenario,
  options: Options,
  label = scenario.name,
): Promise<Measurement> {
  if (options.warmup > 0) await load(system.url, scenario, options.warmup);
  const cpuBefore = system.processes.map((p) => cpuMs(p.pid));
  const result = await load(system.url, scenario, options.duration);
  const answered = Math.max(1, result.requests.total);
  const cpuUsPerRequest = Object.fromEntries(
    system.processes.map((p, i) => [
      p.name,
      Math.round(((cpuMs(p.pid) - (cpuBefore[i] ?? 0)) * 1000) / answered),
    ]),
  );
  const measurement: Measurement = {
    system: system.name,
    scenario: label,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest,
  };
  if (scenario.connections === 1) {
    measurement.latency = await probeLatency(
      `${system.url}/process`,
      bodyOf(scenario),
      options.duration,
    );
  }
  return measurement;
}

async function load(url: string, scenario: Scenario, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/process`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodyOf(scenario),
    connections: scenario.connections,
    duration: seconds,
    pipelining: 1,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function pad(text: string | number, width: number): string {
  return String(text).padStart(width);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const scenarios: Scenario[] = options.connections.flatMap((connections) => [
    { name: `forward c=${connections}`, forward: true, connections },
    { name: `local   c=${connections}`, forward: false, connections },
  ]);
  const systems = [await startOurs(options.predictors), await startBaseline()];
  if (options.floors)
    systems.push(await startBaseline('fastify-floor'), await startBaseline('nest-floor'));
  const [ours] = systems;
  const measurements: Measurement[] = [];
  let afterTable: Record<string, number> = {};
  try {
    for (const scenario of scenarios) {
      for (let round = 0; round < options.repeat; round++) {
        // Interleave the systems so that drift on the machine hits both alike.
        for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
          // The floors answer for the framework's cost under load; one connection measures latency.
          if (system.name.endsWith('-floor') && scenario.connections === 1) continue;
          measurements.push(await measure(system, scenario, options));
        }
      }
    }
    if (ours) afterTable = Object.fromEntries(ours.processes.map((p) => [p.name, rssMiB(p.pid)]));
  } finally {
    await stopAll();
  }

  // The RSS target is "after a 60-second load": a fresh system, loaded for --soak seconds.
  let soaked: {
    seconds: number;
    requestsPerSecond: number;
    rssMiB: Record<string, number>;
  } | null = null;
  if (options.soak > 0) {
    const fresh = await startOurs(options.predictors);
    try {
      const result = await load(
        fresh.url,
        { name: 'soak', forward: true, connections: 64 },
        options.soak,
      );
      soaked = {
        seconds: options.soak,
        requestsPerSecond: result.requests.average,
        rssMiB: Object.fromEntries(fresh.processes.map((p) => [p.name, rssMiB(p.pid)])),
      };
    } finally {
      await stopAll();
    }
  }

  // Scale-out: a fresh system per predictor count, each run against a fresh baseline run.
  const scaled: Array<{ predictors: number; ours: Measurement; baseline: Measurement }> = [];
  const forward64 = { name: 'forward c=64', forward: true, connections: 64 };
  for (const count of options.scale) {
    const pair = [await startOurs(count), await startBaseline()];
    try {
      const runs: Measurement[] = [];
      for (const system of pair)
        runs.push(
          await measure(system, forward64, options, `${forward64.name}, ${count} predictor(s)`),
        );
      const [oursRun, baseRun] = runs;
      if (oursRun && baseRun) scaled.push({ predictors: count, ours: oursRun, baseline: baseRun });
    } finally {
      await stopAll();
    }
  }

  const rows = scenarios.map((scenario) => {
    const pick = (system: System['name']) =>
      measurements.filter((m) => m.system === system && m.scenario === scenario.name);
    const ours = pick('ours');
    const base = pick('baseline');
    const stat = (list: Measurement[], key: 'requestsPerSecond' | 'p50Ms' | 'p99Ms') =>
      median(list.map((m) => m[key]));
    const of = (list: Measurement[]) => {
      const rps = stat(list, 'requestsPerSecond');
      // autocannon times requests in whole milliseconds, too coarse below a millisecond; in a
      // closed loop each connection completes one request every connections / rps seconds.
      return {
        rps,
        p50: stat(list, 'p50Ms'),
        p99: stat(list, 'p99Ms'),
        mean: (scenario.connections * 1000) / rps,
      };
    };
    return {
      scenario: scenario.name,
      ours: of(ours),
      baseline: of(base),
      failures: ours.reduce((n, m) => n + m.non2xx + m.errors, 0),
    };
  });

  console.log(
    `\nPOST /process, ${options.duration}s per run after ${options.warmup}s warm-up, median of ${options.repeat}, ${options.predictors} predictor(s) behind our gateway, same machine, same run\n`,
  );
  console.log(
    `${'scenario'.padEnd(14)}${pad('ours req/s', 12)}${pad('base req/s', 12)}${pad('ratio', 8)}` +
      `${pad('ours p50', 10)}${pad('base p50', 10)}${pad('ours p99', 10)}${pad('base p99', 10)}${pad('p99 ×', 8)}` +
      `${pad('ours ms/req', 13)}${pad('base ms/req', 13)}${pad('×', 7)}${pad('non-2xx', 9)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.scenario.padEnd(14)}${pad(Math.round(row.ours.rps), 12)}${pad(Math.round(row.baseline.rps), 12)}` +
        `${pad((row.ours.rps / row.baseline.rps).toFixed(2), 8)}` +
        `${pad(`${row.ours.p50} ms`, 10)}${pad(`${row.baseline.p50} ms`, 10)}` +
        `${pad(`${row.ours.p99} ms`, 10)}${pad(`${row.baseline.p99} ms`, 10)}` +
        `${pad((row.ours.p99 / Math.max(row.baseline.p99, 1)).toFixed(2), 8)}` +
        `${pad(`${row.ours.mean.toFixed(2)} ms`, 13)}${pad(`${row.baseline.mean.toFixed(2)} ms`, 13)}` +
        `${pad((row.ours.mean / row.baseline.mean).toFixed(2), 7)}${pad(row.failures, 9)}`,
    );
  }
  console.log('\nCPU per answered request, µs (all threads of each process, from /proc; medians)');
  for (const scenario of scenarios) {
    const cpu = (system: System['name']): string => {
      const list = measurements.filter((m) => m.system === system && m.scenario === scenario.name);
      const names = [...new Set(list.flatMap((m) => Object.keys(m.cpuUsPerRequest)))];
      return names
        .map((name) => `${name} ${median(list.map((m) => m.cpuUsPerRequest[name] ?? Number.NaN))}`)
        .join(', ');
    };
    console.log(`${scenario.name.padEnd(14)}ours: ${cpu('ours')}; baseline: ${cpu('baseline')}`);
  }
  if (options.floors) {
    console.log(
      "\nframework floors: the baseline's own logic as a plain Fastify route and as a plain Nest controller" +
        ' (Fastify adapter), no feature of ours; × is the ratio to the baseline; CPU is the front process, µs per request',
    );
    console.log(
      `${'scenario'.padEnd(14)}${pad('base req/s', 12)}${pad('fastify', 10)}${pad('×', 6)}${pad('nest', 10)}${pad('×', 6)}` +
        `${pad('ours', 10)}${pad('×', 6)}${pad('CPU base', 10)}${pad('fastify', 9)}${pad('nest', 7)}${pad('ours', 7)}`,
    );
    const fronts: Record<System['name'], string> = {
      baseline: 'raw-gateway',
      'fastify-floor': 'fastify-floor',
      'nest-floor': 'nest-floor',
      ours: 'gateway',
    };
    for (const scenario of scenarios.filter((s) => s.connections > 1)) {
      const of = (system: System['name']) => {
        const list = measurements.filter(
          (m) => m.system === system && m.scenario === scenario.name,
        );
        return {
          rps: median(list.map((m) => m.requestsPerSecond)),
          cpu: median(list.map((m) => m.cpuUsPerRequest[fronts[system]] ?? Number.NaN)),
        };
      };
      const [base, fastifyFloor, nestFloor, oursRun] = (
        ['baseline', 'fastify-floor', 'nest-floor', 'ours'] as const
      ).map(of);
      if (!base || !fastifyFloor || !nestFloor || !oursRun) continue;
      const ratio = (rps: number): string => (rps / base.rps).toFixed(2);
      console.log(
        `${scenario.name.padEnd(14)}${pad(Math.round(base.rps), 12)}` +
          `${pad(Math.round(fastifyFloor.rps), 10)}${pad(ratio(fastifyFloor.rps), 6)}` +
          `${pad(Math.round(nestFloor.rps), 10)}${pad(ratio(nestFloor.rps), 6)}` +
          `${pad(Math.round(oursRun.rps), 10)}${pad(ratio(oursRun.rps), 6)}` +
          `${pad(base.cpu, 10)}${pad(fastifyFloor.cpu, 9)}${pad(nestFloor.cpu, 7)}${pad(oursRun.cpu, 7)}`,
      );
    }
  }
  const probed = scenarios.filter((scenario) => scenario.connections === 1);
  if (probed.length > 0) {
    console.log(
      '\n1 connection, one request at a time, µs from send to last byte (medians over the runs)',
    );
    console.log(
      `${'scenario'.padEnd(14)}${pad('ours p50', 10)}${pad('base p50', 10)}${pad('p50 ×', 8)}` +
        `${pad('ours p99', 10)}${pad('base p99', 10)}${pad('failures', 10)}`,
    );
    for (const scenario of probed) {
      const of = (system: System['name'], key: 'p50Us' | 'p99Us'): number =>
        median(
          measurements
            .filter((m) => m.system === system && m.scenario === scenario.name && m.latency)
            .map((m) => m.latency?.[key] ?? Number.NaN),
        );
      const failures = measurements
        .filter((m) => m.scenario === scenario.name)
        .reduce((n, m) => n + (m.latency?.failures ?? 0), 0);
      console.log(
        `${scenario.name.padEnd(14)}${pad(of('ours', 'p50Us'), 10)}${pad(of('baseline', 'p50Us'), 10)}` +
          `${pad((of('ours', 'p50Us') / of('baseline', 'p50Us')).toFixed(2), 8)}` +
          `${pad(of('ours', 'p99Us'), 10)}${pad(of('baseline', 'p99Us'), 10)}${pad(failures, 10)}`,
      );
    }
  }
  const startMs = ours?.startMs ?? {};
  console.log(
    `\nstart to ready (spawn to /health/ready = 200): ${Object.entries(startMs)
      .map(([name, ms]) => `${name} ${Math.round(ms)} ms`)
      .join(', ')}`,
  );
  console.log(
    `RSS at the end of the table's runs: ${Object.entries(afterTable)
      .map(([name, mib]) => `${name} ${mib} MiB`)
      .join(', ')}`,
  );
  if (soaked) {
    console.log(
      `RSS of a fresh system after ${soaked.seconds}s of forward load at 64 connections (${Math.round(soaked.requestsPerSecond)} req/s): ` +
        Object.entries(soaked.rssMiB)
          .map(([name, mib]) => `${name} ${mib} MiB`)
          .join(', '),
    );
  }
  if (scaled.length > 0) {
    console.log(
      `\nforward c=64 by predictor count (one run each, ${options.duration}s after ${options.warmup}s warm-up)`,
    );
    console.log(
      `${'predictors'.padEnd(12)}${pad('ours req/s', 12)}${pad('base req/s', 12)}${pad('ratio', 8)}${pad('ours p99', 10)}${pad('non-2xx', 9)}`,
    );
    for (const run of scaled) {
      console.log(
        `${String(run.predictors).padEnd(12)}${pad(Math.round(run.ours.requestsPerSecond), 12)}` +
          `${pad(Math.round(run.baseline.requestsPerSecond), 12)}` +
          `${pad((run.ours.requestsPerSecond / run.baseline.requestsPerSecond).toFixed(2), 8)}` +
          `${pad(`${run.ours.p99Ms} ms`, 10)}${pad(run.ours.non2xx + run.ours.errors, 9)}`,
      );
    }
  }
  mkdirSync(options.out, { recursive: true });
  const file = join(options.out, `bench-${runStamp()}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { options, measurements, rows, startMs, rssAfterTableMiB: afterTable, soak: soaked, scaled },
      null,
      2,
    ),
  );
  console.log(`\nraw measurements: ${file}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  // A system that failed halfway up must not outlive the run.
  await stopAll();
  process.exit(1);
});
