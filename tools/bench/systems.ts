import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeProcess, freePort } from '@ml-system/test-support';

/** The systems the bench and the profiler start: ours (built JS, plain node) and the minimal fronts. */
export interface System {
  name: 'ours' | 'baseline' | 'fastify-floor' | 'nest-floor';
  url: string;
  processes: NodeProcess[];
  /** Spawn to ready, per process, ms. */
  startMs: Record<string, number>;
}

const TS_NODE = ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register'];

/**
 * The node flags an app runs with in production: its `nx serve` runtimeArgs,
 * which a deploy spec holds equal to its Dockerfile's CMD.
 */
const nodeArgsByApp = new Map<string, string[]>();

function productionNodeArgs(app: 'gateway' | 'predictor'): string[] {
  let args = nodeArgsByApp.get(app);
  if (!args) {
    const project = JSON.parse(readFileSync(join('apps', app, 'project.json'), 'utf8')) as {
      targets?: { serve?: { options?: { runtimeArgs?: string[] } } };
    };
    args = project.targets?.serve?.options?.runtimeArgs ?? [];
    nodeArgsByApp.set(app, args);
  }
  return args;
}
const TS_ENV = { TS_NODE_PROJECT: 'tools/tsconfig.json' };

/** Every process this module started, so that a failed start or run leaves none behind. */
const live = new Set<NodeProcess>();

function launch(...args: Parameters<typeof NodeProcess.start>): NodeProcess {
  const started = NodeProcess.start(...args);
  live.add(started);
  return started;
}

/** Stops each process started here that still runs (for the error paths of the bench and the profiler). */
export async function stopAll(): Promise<void> {
  const running = [...live];
  live.clear();
  await Promise.all(running.map((p) => p.stop()));
}

/** A file-name-safe time stamp of this run, for the bench's output directories. */
export function runStamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

const LOG_DIR = join('tmp', 'bench', `logs-${runStamp()}`);
let logged = 0;

/**
 * Where a started process writes its stdout and stderr: a file, as behind a
 * container runtime, not a pipe into the process that drives the load (which
 * would spend its time reading and keeping a line per request).
 */
function logFileFor(name: string): { logFile: string } {
  mkdirSync(LOG_DIR, { recursive: true });
  logged++;
  return { logFile: join(LOG_DIR, `${String(logged).padStart(2, '0')}-${name}.log`) };
}

/**
 * Our predictor(s) and gateway as production runs them, on free ports.
 * `extraNodeArgs` go after the production flags (the profiler adds --cpu-prof).
 */
export async function startOurs(
  predictorCount: number,
  extraNodeArgs: readonly string[] = [],
): Promise<System> {
  const predictors: NodeProcess[] = [];
  const tcpPorts: number[] = [];
  const startMs: Record<string, number> = {};
  for (let i = 0; i < predictorCount; i++) {
    const tcp = await freePort();
    const predictorHttp = await freePort();
    const spawned = performance.now();
    const predictor = launch(
      `predictor-${i + 1}`,
      'dist/apps/predictor/main.js',
      {
        PREDICTOR_TCP_PORT: String(tcp),
        PREDICTOR_HTTP_PORT: String(predictorHttp),
        LOG_LEVEL: 'info',
      },
      [...productionNodeArgs('predictor'), ...extraNodeArgs],
      logFileFor(`predictor-${i + 1}`),
    );
    await predictor.waitForHttp(`http://127.0.0.1:${predictorHttp}/health/ready`);
    startMs[predictor.name] = performance.now() - spawned;
    predictors.push(predictor);
    tcpPorts.push(tcp);
  }
  const gatewayPort = await freePort();
  const spawned = performance.now();
  const gateway = launch(
    'gateway',
    'dist/apps/gateway/main.js',
    {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      PREDICTOR_ENDPOINTS: tcpPorts.map((port) => `127.0.0.1:${port}`).join(','),
      // Everything on, as in production: info logs, the durable input log, metrics, tracing
      // (no exporter), resilience; the rate limit raised so that one load generator is not throttled.
      LOG_LEVEL: 'info',
      INPUT_LOG_DIR: join('tmp', 'bench', `input-log-${Date.now()}`),
      // One client address at full speed: keep the limiter running (its cost is
      // part of the number) but far above the default 6,000 per minute.
      RATE_LIMIT_MAX: '100000000',
    },
    [...productionNodeArgs('gateway'), ...extraNodeArgs],
    logFileFor('gateway'),
  );
  await gateway.waitForHttp(`http://127.0.0.1:${gatewayPort}/health/ready`);
  startMs[gateway.name] = performance.now() - spawned;
  return {
    name: 'ours',
    url: `http://127.0.0.1:${gatewayPort}`,
    processes: [gateway, ...predictors],
    startMs,
  };
}

const FRONTS = {
  baseline: { script: 'raw-gateway', ready: 'raw gateway on' },
  'fastify-floor': { script: 'fastify-floor', ready: 'fastify floor on' },
  'nest-floor': { script: 'nest-floor', ready: 'nest floor on' },
} as const;

/** The raw predictor with one of the minimal fronts (tools/bench/baseline/) in front of it. */
export async function startBaseline(name: keyof typeof FRONTS = 'baseline'): Promise<System> {
  const backendPort = await freePort();
  const port = await freePort();
  const backend = launch(
    'raw-predictor',
    'tools/bench/baseline/raw-predictor.ts',
    { ...TS_ENV, PORT: String(backendPort) },
    TS_NODE,
    logFileFor('raw-predictor'),
  );
  await waitForLine(backend, 'raw predictor on');
  const { script, ready } = FRONTS[name];
  const front = launch(
    script,
    `tools/bench/baseline/${script}.ts`,
    { ...TS_ENV, PORT: String(port), BACKEND_PORT: String(backendPort) },
    TS_NODE,
    logFileFor(script),
  );
  await waitForLine(front, ready);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    processes: [front, backend],
    startMs: {},
  };
}

async function waitForLine(process: NodeProcess, line: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!process.logs.includes(line)) {
    if (!process.running || Date.now() > deadline) {
      throw new Error(`${process.name} did not start:\n${process.logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
