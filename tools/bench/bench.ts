/**
 * The project's benchmark: our gateway + predictor (built JS, plain node,
 * every feature on, an API key sent) against the plain NestJS pair a user
 * would write from Nest's docs and a raw-Node baseline, in the same run,
 * interleaved, printing requests/s, latency percentiles and the front
 * process's CPU time per request, with the ratios.
 *
 *   npx nx run tools:bench [-- --duration 5 --warmup 1 --repeat 1 --connections 1,64
 *                              --scenarios forward,local,onnx --onnx-connections 1,64
 *                              --onnx-model tiny-sentiment|mini-bert --pg 1
 *                              --floors 1 --soak 60 --scale 1,2,3]
 *
 * Scenarios: `forward` and `local` (POST /process) on every system; with
 * `--pg 1` ours also runs with the PostgreSQL shipper on (a private server
 * the bench starts), its lag read from the gateway's /metrics; `onnx`: a
 * Hugging Face text classifier through our predictor next to a one-process
 * onnxruntime-node floor: the test repository's `tiny-sentiment` (an
 * embedding bag whose run takes microseconds: what serving adds around a
 * model) or `mini-bert` (a BERT encoder of BERT-mini's size, made on first
 * use by tools/models/make_bench_model.py with Debian's python3-onnx). Besides the tables it reports the
 * CPU time of every process per request (from /proc, all threads), the
 * 1-connection latency at microsecond resolution, each of our processes'
 * start-to-ready time (spawn to /health/ready = 200), their RSS at the end of
 * the table's runs and, on a fresh system, after `--soak` seconds of forward
 * load at 64 connections (0 skips it), and the forward path at 64
 * connections with each predictor count of `--scale` behind one gateway (0
 * skips it). `--floors 1` (the default) adds the framework floors: the
 * baseline's own logic on plain Fastify and on a plain Nest controller, and
 * the Fastify one with a synced append of each input before its answer (also
 * at one connection, for what the synced write costs in latency), and on the
 * ONNX path that durable floor in front of our own predictor.
 */
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresServer } from '@ml-system/test-support';
import { parseBenchOptions, scenariosOf } from './bench-options';
import type { BenchOptions, Scenario } from './bench-options';
import { formatCount, formatFixed, formatRatio, formatTable, median, ratio } from './bench-table';
import { probeLatency } from './latency-probe';
import type { LatencySummary } from './latency-probe';
import { cpuMs, rssMiB, rssPartsMiB, treeCpuMs } from './proc-stats';
import type { RssParts } from './proc-stats';
import { syncedAppendP50Us } from './synced-append';
import { lagOf, summarizeLag } from './prom-text';
import type { LagSample, LagSummary } from './prom-text';
import {
  ONNX_BENCH_MODELS,
  ONNX_INFER_BODY,
  oursMallocLabel,
  runStamp,
  startBaseline,
  startNestPair,
  startDurableOnnxFloor,
  startOnnxFloor,
  startOurs,
  stopAll,
  useMallocForOurs,
} from './systems';
import type { System } from './systems';

interface Measurement {
  system: string;
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU time (all threads) per answered request, µs, by process name. */
  cpuUsPerRequest: Record<string, number>;
  /** The front process's share of the above. */
  frontCpuUs: number;
  /** 1-connection scenarios: per-request latency at µs resolution (see probeLatency). */
  latency?: LatencySummary;
  /** Ours with the PostgreSQL shipper: its backlog during the measured run. */
  lag?: LagSummary;
}

/** A difference of µs with its sign, or a dash when either side is missing. */
function signedUs(difference: number): string {
  if (!Number.isFinite(difference)) return '—';
  return `${difference >= 0 ? '+' : ''}${Math.round(difference)} µs`;
}

function bodyOf(scenario: Scenario): string {
  if (scenario.kind === 'onnx') return ONNX_INFER_BODY;
  return JSON.stringify({
    data: 'wags its tail when I come home',
    forward_to_model: scenario.kind === 'forward',
  });
}

function targetOf(system: System, scenario: Scenario): string {
  return scenario.kind === 'onnx'
    ? `${system.url}${system.inferPath ?? ''}`
    : `${system.url}/process`;
}

/** Which systems take part in a scenario. */
function takesPart(system: System, scenario: Scenario): boolean {
  if (scenario.kind === 'onnx') return system.inferPath !== undefined;
  if (system.inferPath !== undefined) return false;
  // The framework floors answer for the framework's cost under load; one connection measures
  // latency, where only the durable floor says something more (what a synced write costs there).
  return !(
    system.name.endsWith('-floor') &&
    scenario.connections === 1 &&
    system.name !== 'durable-floor'
  );
}

/** Reads the shipper's backlog from the gateway's /metrics every 250 ms until stopped. */
function sampleLag(system: System): { stop(): Promise<LagSummary> } {
  const samples: LagSample[] = [];
  const read = async (): Promise<void> => {
    try {
      const response = await fetch(`${system.url}/metrics`, { headers: system.headers });
      samples.push(lagOf(await response.text()));
    } catch {
      // A missed sample: the summary counts the ones read.
    }
  };
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = inFlight.then(read);
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await read();
      return summarizeLag(samples);
    },
  };
}

/** The private PostgreSQL of the `--pg` runs; removed at the end, on the error path too. */
let postgres: PostgresServer | undefined;
/** The PostgreSQL server's column in the CPU table. */
const POSTGRES_CPU = 'postgres';

/**
 * Whose CPU a run reads: the system's processes and, for ours+pg, the
 * PostgreSQL server (postmaster and backends), which shares the same cores.
 */
function cpuProbes(system: System): { name: string; read: () => number }[] {
  const probes = system.processes.map((p) => ({ name: p.name, read: () => cpuMs(p.pid) }));
  const server = system.name === 'ours+pg' ? postgres?.postmasterPid() : undefined;
  if (server !== undefined) probes.push({ name: POSTGRES_CPU, read: () => treeCpuMs(server) });
  return probes;
}

/** One measured autocannon run against a warmed-up system, with each process's CPU per request. */
async function measure(
  system: System,
  scenario: Scenario,
  options: BenchOptions,
  label = scenario.name,
): Promise<Measurement> {
  if (options.warmup > 0) await load(system, scenario, options.warmup);
  const lag = system.name === 'ours+pg' ? sampleLag(system) : undefined;
  const probes = cpuProbes(system);
  const cpuBefore = probes.map((probe) => probe.read());
  const result = await load(system, scenario, options.duration);
  const answered = Math.max(1, result.requests.total);
  const cpuUsPerRequest = Object.fromEntries(
    probes.map((probe, i) => [
      probe.name,
      Math.round(((probe.read() - (cpuBefore[i] ?? 0)) * 1000) / answered),
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
    frontCpuUs: cpuUsPerRequest[system.front] ?? Number.NaN,
  };
  if (lag) measurement.lag = await lag.stop();
  if (scenario.connections === 1) {
    measurement.latency = await probeLatency(
      targetOf(system, scenario),
      bodyOf(scenario),
      options.duration,
      system.headers,
    );
  }
  return measurement;
}

async function load(
  system: System,
  scenario: Scenario,
  seconds: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: targetOf(system, scenario),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...system.headers },
    body: bodyOf(scenario),
    connections: scenario.connections,
    duration: seconds,
    pipelining: 1,
  });
}

async function stopEverything(): Promise<void> {
  await stopAll();
  const server = postgres;
  postgres = undefined;
  await server?.dispose();
}

async function startSystems(options: BenchOptions, scenarios: Scenario[]): Promise<System[]> {
  const systems: System[] = [];
  const processPath = scenarios.some((s) => s.kind !== 'onnx');
  if (processPath) {
    systems.push(await startOurs(options.predictors));
    if (options.pg) {
      try {
        postgres = await PostgresServer.start();
      } catch (error) {
        console.log(
          `\nPostgreSQL: not started, so the runs with the shipper on are skipped: ${(error as Error).message}`,
        );
      }
      if (postgres)
        systems.push(await startOurs(options.predictors, { databaseUrl: postgres.url }));
    }
    systems.push(await startNestPair(), await startBaseline());
    if (options.floors && scenarios.some((s) => s.kind !== 'onnx' && s.connections > 1))
      systems.push(
        await startBaseline('fastify-floor'),
        await startBaseline('nest-floor'),
        await startBaseline('durable-floor'),
      );
  }
  if (scenarios.some((s) => s.kind === 'onnx')) {
    const onnxModel = ONNX_BENCH_MODELS[options.onnxModel]();
    systems.push(
      await startOurs(1, { onnx: true, onnxModel }),
      await startOurs(1, { onnx: true, onnxModel, predictorOnly: true }),
      await startOnnxFloor(onnxModel),
      ...(options.floors ? [await startDurableOnnxFloor(onnxModel)] : []),
    );
  }
  return systems;
}

/** The ONNX scenario's systems, in the order of the table. */
const ONNX_SYSTEMS = ['ours-onnx', 'ours-onnx-predictor', 'durable-onnx-floor', 'onnx-floor'];

type Stat = 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'frontCpuUs';

/** Medians over the repeats of one system in one scenario. */
function summaryOf(measurements: Measurement[], system: string, scenario: string) {
  const runs = measurements.filter((m) => m.system === system && m.scenario === scenario);
  const stat = (key: Stat): number => median(runs.map((m) => m[key]));
  const probe = (key: 'p50Us' | 'p99Us'): number =>
    median(runs.map((m) => m.latency?.[key] ?? Number.NaN));
  return {
    runs: runs.length,
    rps: stat('requestsPerSecond'),
    p50: stat('p50Ms'),
    p99: stat('p99Ms'),
    frontCpu: stat('frontCpuUs'),
    probeP50: probe('p50Us'),
    probeP99: probe('p99Us'),
    failures: runs.reduce((n, m) => n + m.non2xx + m.errors + (m.latency?.failures ?? 0), 0),
  };
}

function report(
  options: BenchOptions,
  scenarios: Scenario[],
  systems: System[],
  measurements: Measurement[],
): void {
  const of = (system: string, scenario: Scenario) => summaryOf(measurements, system, scenario.name);
  /** One row per system measured in `scenario`: its name, req/s, p50, p99 and CPU, then `rest`. */
  const measuredRows = (
    names: readonly string[],
    scenario: Scenario,
    rest: (run: ReturnType<typeof of>) => string[],
  ): string[][] =>
    names
      .map((system) => ({ system, run: of(system, scenario) }))
      .filter(({ run }) => run.runs > 0)
      .map(({ system, run }) => [
        scenario.name,
        system,
        formatCount(run.rps),
        formatFixed(run.p50, 0),
        formatFixed(run.p99, 0),
        formatCount(run.frontCpu),
        ...rest(run),
      ]);
  const processScenarios = scenarios.filter((s) => s.kind !== 'onnx');
  const onnxScenarios = scenarios.filter((s) => s.kind === 'onnx');
  const processSystems = systems.filter((s) => s.inferPath === undefined).map((s) => s.name);

  if (processScenarios.length > 0) {
    console.log(
      `\nPOST /process, ${options.duration}s per run after ${options.warmup}s warm-up, median of ${options.repeat}, ` +
        `${options.predictors} predictor(s) behind our gateway, same machine, same run, interleaved; ` +
        `${oursMallocLabel()}, the others on glibc's.\n` +
        'req/s, p50 and p99 from autocannon (whole ms); CPU: the front process, µs per answered request (/proc, all threads);\n' +
        '× pair / × raw: this system against the plain NestJS pair / the raw-Node baseline in the same scenario.\n' +
        'local: ours writes and syncs the input to its log before it answers; so does the durable floor (one synced line per input); the others have no durable log and just answer.\n',
    );
    const rows = processScenarios.flatMap((scenario) => {
      const pair = of('nest-pair', scenario);
      const raw = of('baseline', scenario);
      return measuredRows(processSystems, scenario, (run) => [
        formatRatio(ratio(run.rps, pair.rps)),
        formatRatio(ratio(run.rps, raw.rps)),
        formatRatio(ratio(run.frontCpu, pair.frontCpu)),
        formatRatio(ratio(run.frontCpu, raw.frontCpu)),
        formatRatio(ratio(run.p99, raw.p99)),
        String(run.failures),
      ]);
    });
    console.log(
      formatTable(
        [
          'scenario',
          'system',
          'req/s',
          'p50 ms',
          'p99 ms',
          'CPU µs',
          'req/s × pair',
          'req/s × raw',
          'CPU × pair',
          'CPU × raw',
          'p99 × raw',
          'non-2xx',
        ],
        rows,
      ),
    );
  }

  const probed = scenarios.filter((s) => s.connections === 1);
  if (probed.length > 0) {
    console.log(
      '\n1 connection, one request at a time, µs from send to the last byte (medians over the runs)\n',
    );
    const rows = probed.flatMap((scenario) => {
      const reference =
        scenario.kind === 'onnx' ? of('onnx-floor', scenario) : of('nest-pair', scenario);
      const raw = of('baseline', scenario);
      return systems
        .map((system) => ({ system: system.name, run: of(system.name, scenario) }))
        .filter(({ run }) => run.runs > 0 && Number.isFinite(run.probeP50))
        .map(({ system, run }) => [
          scenario.name,
          system,
          formatCount(run.probeP50),
          formatCount(run.probeP99),
          formatRatio(ratio(run.probeP50, reference.probeP50)),
          scenario.kind === 'onnx' ? '' : formatRatio(ratio(run.probeP50, raw.probeP50)),
        ]);
    });
    console.log(
      formatTable(
        ['scenario', 'system', 'p50 µs', 'p99 µs', 'p50 × pair/floor', 'p50 × raw'],
        rows,
      ),
    );
  }

  if (processSystems.includes('ours+pg')) {
    console.log(
      '\nthe PostgreSQL shipper: ours with INPUT_LOG_DATABASE_URL set against ours without, same run (target: ≥ 0.95×);\n' +
        "lag: the gateway's unshipped records and the age of the oldest, read from /metrics every 250 ms during the measured runs (peak) and right after (end)\n",
    );
    const rows = processScenarios.map((scenario) => {
      const runs = measurements.filter(
        (m) => m.system === 'ours+pg' && m.scenario === scenario.name,
      );
      const lag = (key: keyof LagSummary): number => median(runs.map((m) => m.lag?.[key] ?? NaN));
      const withPg = of('ours+pg', scenario);
      const without = of('ours', scenario);
      return [
        scenario.name,
        formatCount(without.rps),
        formatCount(withPg.rps),
        formatRatio(ratio(withPg.rps, without.rps)),
        formatCount(lag('peakRecords')),
        formatFixed(lag('peakAgeSeconds'), 3),
        formatCount(lag('endRecords')),
        formatFixed(lag('endAgeSeconds'), 3),
        formatCount(lag('samples')),
      ];
    });
    console.log(
      formatTable(
        [
          'scenario',
          'ours req/s',
          'ours+pg req/s',
          'ratio',
          'lag peak records',
          'peak age s',
          'end records',
          'end age s',
          'samples',
        ],
        rows,
      ),
    );
  }

  if (onnxScenarios.length > 0) {
    const onnxModel = ONNX_BENCH_MODELS[options.onnxModel]();
    console.log(
      `\nONNX text model: ${onnxModel.name} version ${onnxModel.version}, one text per request, through ours ` +
        `(POST ${onnxModel.inferPath} on the gateway; ours-onnx-predictor: on the predictor's own HTTP face, no gateway; ` +
        'durable-onnx-floor: the durable floor in front of our predictor, over its TCP face) ' +
        'and through the floor (onnxruntime-node called directly in one process, the same batching); ' +
        `CPU: the front process, µs per request; ${oursMallocLabel()}, the floor on glibc's\n`,
    );
    const rows = onnxScenarios.flatMap((scenario) =>
      measuredRows(ONNX_SYSTEMS, scenario, (run) => [
        formatRatio(ratio(run.rps, of('onnx-floor', scenario).rps)),
        String(run.failures),
      ]),
    );
    console.log(
      formatTable(
        ['scenario', 'system', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs', 'req/s × floor', 'non-2xx'],
        rows,
      ),
    );
    const at64 = onnxScenarios.find((s) => s.connections === 64);
    if (at64) {
      console.log(
        `ours / floor, requests/s at 64 connections: ${formatRatio(ratio(of('ours-onnx', at64).rps, of('onnx-floor', at64).rps))} (target ≥ 0.80×)`,
      );
    }
    const at1 = onnxScenarios.find((s) => s.connections === 1);
    if (at1) {
      const floorP50 = of('onnx-floor', at1).probeP50;
      const predictorP50 = of('ours-onnx-predictor', at1).probeP50;
      const oursP50 = of('ours-onnx', at1).probeP50;
      console.log(
        `ours − floor, p50 at 1 connection (µs clock): ${signedUs(oursP50 - floorP50)} (target ≤ +500 µs); ` +
          `the predictor alone − floor: ${signedUs(predictorP50 - floorP50)}, so the gateway and its hop: ${signedUs(oursP50 - predictorP50)}`,
      );
      const durableP50 = of('durable-onnx-floor', at1).probeP50;
      if (Number.isFinite(durableP50)) {
        console.log(
          `the durable floor in front of our predictor − floor: ${signedUs(durableP50 - floorP50)}; ` +
            `ours − that durable floor (our gateway's features and resilience): ${signedUs(oursP50 - durableP50)}`,
        );
      }
      // Ours answers an infer request only once its input is durable; the floor writes nothing.
      console.log(
        `of which no code removes: one synced append on the input log's disk, p50 ${Math.round(syncedAppendP50Us(join(__dirname, '..', '..', 'tmp', 'bench')))} µs`,
      );
    }
  }

  console.log('\nCPU per answered request, µs, every process (all threads, from /proc; medians)\n');
  const cpuRows = scenarios.flatMap((scenario) =>
    systems
      .map((system) => {
        const runs = measurements.filter(
          (m) => m.system === system.name && m.scenario === scenario.name,
        );
        const names = [
          ...system.processes.map((p) => p.name),
          ...(system.name === 'ours+pg' ? [POSTGRES_CPU] : []),
        ];
        const cells = names.map(
          (name) =>
            `${name} ${formatCount(median(runs.map((m) => m.cpuUsPerRequest[name] ?? NaN)))}`,
        );
        return runs.length > 0 ? [scenario.name, system.name, cells.join(', ')] : null;
      })
      .filter((row): row is string[] => row !== null),
  );
  console.log(formatTable(['scenario', 'system', 'processes'], cpuRows));
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  useMallocForOurs(options.malloc);
  const scenarios = scenariosOf(options);
  const systems = await startSystems(options, scenarios);
  const ours = systems.filter((s) => s.name.startsWith('ours'));
  const measurements: Measurement[] = [];
  let afterTable: Record<string, Record<string, number>> = {};
  try {
    for (const scenario of scenarios) {
      const taking = systems.filter((system) => takesPart(system, scenario));
      for (let round = 0; round < options.repeat; round++) {
        // Interleave the systems so that drift on the machine hits them alike.
        for (const system of round % 2 === 0 ? taking : [...taking].reverse()) {
          measurements.push(await measure(system, scenario, options));
        }
      }
    }
    afterTable = Object.fromEntries(
      ours.map((system) => [
        system.name,
        Object.fromEntries(system.processes.map((p) => [p.name, rssMiB(p.pid)])),
      ]),
    );
  } finally {
    await stopEverything();
  }

  // The RSS target is "after a 60-second load": a fresh system, loaded for --soak seconds.
  let soaked: {
    seconds: number;
    requestsPerSecond: number;
    rssMiB: Record<string, number>;
    /** Anonymous and file-backed parts (the latter mostly the node binary's own pages). */
    rssParts: Record<string, RssParts>;
  } | null = null;
  const forward64: Scenario = { name: 'forward c=64', kind: 'forward', connections: 64 };
  if (options.soak > 0) {
    const fresh = await startOurs(options.predictors);
    try {
      const result = await load(fresh, forward64, options.soak);
      soaked = {
        seconds: options.soak,
        requestsPerSecond: result.requests.average,
        rssMiB: Object.fromEntries(fresh.processes.map((p) => [p.name, rssMiB(p.pid)])),
        rssParts: Object.fromEntries(fresh.processes.map((p) => [p.name, rssPartsMiB(p.pid)])),
      };
    } finally {
      await stopAll();
    }
  }

  // Scale-out: a fresh system per predictor count, each run against a fresh baseline run.
  const scaled: Array<{ predictors: number; ours: Measurement; baseline: Measurement }> = [];
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

  report(options, scenarios, systems, measurements);
  const startMs = Object.fromEntries(ours.map((system) => [system.name, system.startMs]));
  const byProcess = (values: Record<string, number>, unit: string): string =>
    Object.entries(values)
      .map(([name, value]) => `${name} ${Math.round(value)} ${unit}`)
      .join(', ');
  console.log('\nstart to ready (spawn to /health/ready = 200)');
  for (const system of ours) console.log(`  ${system.name}: ${byProcess(system.startMs, 'ms')}`);
  console.log("RSS at the end of the table's runs");
  for (const [name, rss] of Object.entries(afterTable))
    console.log(`  ${name}: ${byProcess(rss, 'MiB')}`);
  if (soaked) {
    console.log(
      `RSS of a fresh system after ${soaked.seconds}s of forward load at 64 connections ` +
        `(${formatCount(soaked.requestsPerSecond)} req/s): ${byProcess(soaked.rssMiB, 'MiB')}`,
    );
    for (const [name, parts] of Object.entries(soaked.rssParts)) {
      console.log(
        `  ${name}: anonymous ${Math.round(parts.anonMiB)} MiB, file-backed ${Math.round(parts.fileMiB)} MiB`,
      );
    }
  }
  if (scaled.length > 0) {
    console.log(
      `\nforward c=64 by predictor count (one run each, ${options.duration}s after ${options.warmup}s warm-up)\n`,
    );
    console.log(
      formatTable(
        ['predictors', 'ours req/s', 'base req/s', 'ratio', 'ours p99 ms', 'non-2xx'],
        scaled.map((run) => [
          String(run.predictors),
          formatCount(run.ours.requestsPerSecond),
          formatCount(run.baseline.requestsPerSecond),
          formatRatio(ratio(run.ours.requestsPerSecond, run.baseline.requestsPerSecond)),
          String(run.ours.p99Ms),
          String(run.ours.non2xx + run.ours.errors),
        ]),
      ),
    );
  }
  mkdirSync(options.out, { recursive: true });
  const file = join(options.out, `bench-${runStamp()}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { options, measurements, startMs, rssAfterTableMiB: afterTable, soak: soaked, scaled },
      null,
      2,
    ),
  );
  console.log(`\nraw measurements: ${file}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  // A system that failed halfway up must not outlive the run, nor its database.
  await stopEverything();
  process.exit(1);
});
