import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeProcess, freePort } from '@ml-system/test-support';
import type { OnnxModelName } from './bench-options';
import { assertPreloaded, imagePreload } from './image-malloc';
import type { MallocChoice } from './image-malloc';

/**
 * The systems the bench and the profiler start: ours (built JS, plain node),
 * the plain NestJS pair, and the minimal fronts.
 */
export interface System {
  /** ours, ours+pg, ours-onnx, ours-onnx-predictor, nest-pair, baseline, fastify-floor, nest-floor, durable-floor, onnx-floor, durable-onnx-floor. */
  name: string;
  /** The process that takes the load's requests: its CPU per request is the one compared. */
  front: string;
  /** Where `POST /process` lives (or, for the ONNX systems, the infer route's origin). */
  url: string;
  /** The path the ONNX scenario posts to; absent on systems that do not serve the ONNX model. */
  inferPath?: string;
  /** Headers every request carries (our gateway's API key). */
  headers: Record<string, string>;
  processes: NodeProcess[];
  /** Spawn to ready, per process, ms. */
  startMs: Record<string, number>;
}

/** The workspace root: paths hold wherever the bench or a spec runs from (jest runs in tools/). */
const ROOT = join(__dirname, '..', '..');
const BENCH = join(ROOT, 'tools', 'bench');
/** The classifier every /process system runs (the predictor's bundled artifact). */
const BUNDLED_MODEL = join(ROOT, 'apps', 'predictor', 'assets', 'model', 'animal-text-nb.json');

/** The API key the bench's requests carry: our gateway runs with authentication on. */
const API_KEY = randomBytes(24).toString('hex');

/** The model the ONNX scenario serves: the Hugging Face text classifier of the test repository. */
const ONNX_REPOSITORY = join(ROOT, 'tools', 'models', 'repository');
const ONNX_MODEL = 'tiny-sentiment';
/** The version the requests name, so that ours and the floor run the same model.onnx. */
const ONNX_MODEL_VERSION = '2';

/**
 * The ONNX scenario's Open Inference Protocol route. Through the gateway
 * (`ours-onnx`) its key, limits, input log and the TCP hop are in the figure
 * (issue #16: "through the system"); on the predictor's own HTTP face
 * (`ours-onnx-predictor`) the model serving alone, so that one run splits the
 * difference to the floor between the two.
 */
export const ONNX_INFER_PATH = `/v2/models/${ONNX_MODEL}/versions/${ONNX_MODEL_VERSION}/infer`;

/** A text classifier the ONNX scenario can serve: where its repository is, and which version the requests name. */
export interface OnnxBenchModel {
  repository: string;
  name: string;
  version: string;
  /** `POST` here (on the gateway or the predictor) infers with it. */
  inferPath: string;
}

/** The test repository's embedding bag: a run takes microseconds, so the figure is the serving around it. */
export const TINY_SENTIMENT: OnnxBenchModel = {
  repository: ONNX_REPOSITORY,
  name: ONNX_MODEL,
  version: ONNX_MODEL_VERSION,
  inferPath: ONNX_INFER_PATH,
};

/** Where the bench's generated models live: made on first use, never committed (~13 MB). */
const BENCH_MODELS = join(ROOT, 'tmp', 'bench', 'models');

/**
 * A BERT encoder of BERT-mini's size (tools/models/make_bench_model.py), made
 * on first use with Debian's python3-onnx and python3-numpy.
 * @throws Error naming the packages when the script cannot run.
 */
export function miniBert(): OnnxBenchModel {
  const model = { repository: BENCH_MODELS, name: 'mini-bert', version: '1' };
  if (!existsSync(join(BENCH_MODELS, model.name, model.version, 'model.onnx'))) {
    try {
      execFileSync(
        '/usr/bin/python3',
        [join(ROOT, 'tools', 'models', 'make_bench_model.py'), BENCH_MODELS],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      throw new Error(
        'the mini-bert bench model is made by /usr/bin/python3 tools/models/make_bench_model.py, ' +
          `which needs Debian's python3-onnx and python3-numpy: ${String(error)}`,
      );
    }
  }
  return { ...model, inferPath: `/v2/models/${model.name}/versions/${model.version}/infer` };
}

/** The ONNX scenario's models by the name `--onnx-model` takes. */
export const ONNX_BENCH_MODELS: Record<OnnxModelName, () => OnnxBenchModel> = {
  'tiny-sentiment': () => TINY_SENTIMENT,
  'mini-bert': miniBert,
};

/** The ONNX scenario's request body (one text to classify), as the bench, profile and alloc send it. */
export const ONNX_INFER_BODY = JSON.stringify({
  inputs: [
    { name: 'text', datatype: 'BYTES', shape: [1], data: ['I really love this, it is great'] },
  ],
});

const TS_NODE = ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register'];

/**
 * The node flags an app runs with in production: its `nx serve` runtimeArgs,
 * which a deploy spec holds equal to its Dockerfile's CMD.
 */
const nodeArgsByApp = new Map<string, string[]>();

function productionNodeArgs(app: 'gateway' | 'predictor'): string[] {
  let args = nodeArgsByApp.get(app);
  if (!args) {
    const project = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'project.json'), 'utf8')) as {
      targets?: { serve?: { options?: { runtimeArgs?: string[] } } };
    };
    args = project.targets?.serve?.options?.runtimeArgs ?? [];
    nodeArgsByApp.set(app, args);
  }
  return args;
}
const TS_ENV = { TS_NODE_PROJECT: join(ROOT, 'tools', 'tsconfig.json') };

let ourMalloc: MallocChoice = 'image';

/**
 * The allocator our apps start on from now on, for the whole run (the
 * bench's and the RSS tool's `--malloc`): by default the one their images
 * preload. The pair and the floors always run on glibc's, as a bare `node`.
 */
export function useMallocForOurs(choice: MallocChoice): void {
  ourMalloc = choice;
}

/** The allocator our apps run on, for the reports. */
export function oursMallocLabel(): string {
  const gateway = preloadFor('gateway');
  const predictor = preloadFor('predictor');
  if (!gateway && !predictor) return "our apps on glibc's malloc";
  return `our apps on their images' allocator (LD_PRELOAD=${gateway === predictor ? gateway : `${gateway} / ${predictor}`})`;
}

const preloadByApp = new Map<string, string>();

/** LD_PRELOAD for one of our apps: its image's, or none (set empty, so that the bench's own does not leak in). */
function preloadFor(app: 'gateway' | 'predictor'): string {
  if (ourMalloc === 'glibc') return '';
  let preload = preloadByApp.get(app);
  if (preload === undefined) {
    preload = imagePreload(ROOT, app);
    preloadByApp.set(app, preload);
  }
  return preload;
}

/** Fails the run when an app did not load the allocator it was told to preload. */
function checkPreloaded(started: NodeProcess, preload: string): void {
  if (preload) assertPreloaded(started.name, started.pid, preload);
}

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

const LOG_DIR = join(ROOT, 'tmp', 'bench', `logs-${runStamp()}`);
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

export interface OursOptions {
  /** The node flags after the production ones (the profiler adds --cpu-prof). */
  extraNodeArgs?: readonly string[];
  /** Node flags for the gateway alone, after the others (the allocation tool opens its inspector). */
  gatewayNodeArgs?: readonly string[];
  /** INPUT_LOG_DATABASE_URL: the gateway ships its input log into this PostgreSQL. */
  databaseUrl?: string;
  /** Serve an ONNX text classifier's repository (`onnxModel`, by default the test repository's). */
  onnx?: boolean;
  /** With `onnx`: which model (its repository, served as the default model). */
  onnxModel?: OnnxBenchModel;
  /** With `onnx`: the predictor alone, its own HTTP face in front (no gateway). */
  predictorOnly?: boolean;
}

/** The environment of a predictor that serves `model`'s repository. */
function onnxEnv(model: OnnxBenchModel): Record<string, string> {
  return {
    MODEL_REPOSITORY: model.repository,
    DEFAULT_MODEL: model.name,
    // The repository does not change during a run: no polling beside the load.
    MODEL_REPOSITORY_POLL_MS: '0',
  };
}

/** Our predictor's bundle, started as in production, to its first ready answer. */
async function launchPredictor(
  logName: string,
  name: string,
  onnx: OnnxBenchModel | undefined,
  extraNodeArgs: readonly string[] = [],
): Promise<{ process: NodeProcess; tcpPort: number; httpUrl: string; ms: number }> {
  const tcpPort = await freePort();
  const httpPort = await freePort();
  const preload = preloadFor('predictor');
  const spawned = performance.now();
  const predictor = launch(
    name,
    join(ROOT, 'dist', 'apps', 'predictor', 'main.js'),
    {
      PREDICTOR_TCP_PORT: String(tcpPort),
      PREDICTOR_HTTP_PORT: String(httpPort),
      LOG_LEVEL: 'info',
      LD_PRELOAD: preload,
      ...(onnx ? onnxEnv(onnx) : {}),
    },
    [...productionNodeArgs('predictor'), ...extraNodeArgs],
    logFileFor(logName),
  );
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await predictor.waitForHttp(`${httpUrl}/health/ready`, 30_000);
  checkPreloaded(predictor, preload);
  return { process: predictor, tcpPort, httpUrl, ms: performance.now() - spawned };
}

/**
 * Our predictor(s) and gateway as production runs them (node flags and
 * allocator as in their images), on free ports, every feature on and an API
 * key required. With `onnx` and `predictorOnly`, the
 * predictor alone.
 */
export async function startOurs(
  predictorCount: number,
  options: OursOptions = {},
): Promise<System> {
  const {
    extraNodeArgs = [],
    gatewayNodeArgs = [],
    databaseUrl,
    onnx = false,
    onnxModel = TINY_SENTIMENT,
    predictorOnly = false,
  } = options;
  const model = onnx ? onnxModel : undefined;
  const name = onnx
    ? predictorOnly
      ? 'ours-onnx-predictor'
      : 'ours-onnx'
    : databaseUrl
      ? 'ours+pg'
      : 'ours';
  const predictors: NodeProcess[] = [];
  const tcpPorts: number[] = [];
  const httpUrls: string[] = [];
  const startMs: Record<string, number> = {};
  for (let i = 0; i < predictorCount; i++) {
    const label = `predictor-${i + 1}`;
    const started = await launchPredictor(`${name}-${label}`, label, model, extraNodeArgs);
    startMs[started.process.name] = started.ms;
    predictors.push(started.process);
    tcpPorts.push(started.tcpPort);
    httpUrls.push(started.httpUrl);
  }
  if (model && predictorOnly) {
    return {
      name,
      front: 'predictor-1',
      url: httpUrls[0] ?? '',
      inferPath: model.inferPath,
      headers: {},
      processes: predictors,
      startMs,
    };
  }
  const gatewayPort = await freePort();
  const preload = preloadFor('gateway');
  const spawned = performance.now();
  const gateway = launch(
    'gateway',
    join(ROOT, 'dist', 'apps', 'gateway', 'main.js'),
    {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      PREDICTOR_ENDPOINTS: tcpPorts.map((port) => `127.0.0.1:${port}`).join(','),
      // Everything on, as in production: info logs, the durable input log, metrics, tracing
      // (no exporter), resilience; the rate limit raised so that one load generator is not throttled.
      LOG_LEVEL: 'info',
      INPUT_LOG_DIR: join(ROOT, 'tmp', 'bench', `input-log-${Date.now()}`),
      // One client address at full speed: keep the limiter running (its cost is
      // part of the number) but far above the default 6,000 per minute.
      RATE_LIMIT_MAX: '100000000',
      // Authentication on: every request presents a key, as in production.
      API_KEYS: API_KEY,
      LD_PRELOAD: preload,
      ...(databaseUrl ? { INPUT_LOG_DATABASE_URL: databaseUrl } : {}),
    },
    [...productionNodeArgs('gateway'), ...extraNodeArgs, ...gatewayNodeArgs],
    logFileFor(`${name}-gateway`),
  );
  await gateway.waitForHttp(`http://127.0.0.1:${gatewayPort}/health/ready`, 30_000);
  startMs[gateway.name] = performance.now() - spawned;
  checkPreloaded(gateway, preload);
  return {
    name,
    front: 'gateway',
    url: `http://127.0.0.1:${gatewayPort}`,
    ...(model ? { inferPath: model.inferPath } : {}),
    headers: { 'x-api-key': API_KEY },
    processes: [gateway, ...predictors],
    startMs,
  };
}

const FRONTS = {
  baseline: { script: 'raw-gateway', ready: 'raw gateway on' },
  'fastify-floor': { script: 'fastify-floor', ready: 'fastify floor on' },
  'nest-floor': { script: 'nest-floor', ready: 'nest floor on' },
  'durable-floor': { script: 'durable-floor', ready: 'durable floor on' },
} as const;

/** Spawn of a TypeScript process under ts-node to its ready line, ms (compilation included). */
async function startTs(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: string,
): Promise<{ process: NodeProcess; ms: number }> {
  const spawned = performance.now();
  const started = launch(name, script, { ...TS_ENV, ...env }, TS_NODE, logFileFor(name));
  await waitForLine(started, ready);
  return { process: started, ms: performance.now() - spawned };
}

/**
 * The plain NestJS pair (tools/bench/nest-pair/): a Nest TCP microservice
 * predictor and a Fastify-adapter Nest gateway calling it with ClientProxy.
 */
export async function startNestPair(): Promise<System> {
  const backendPort = await freePort();
  const port = await freePort();
  const predictor = await startTs(
    'nest-pair-predictor',
    join(BENCH, 'nest-pair', 'nest-pair-predictor.ts'),
    { PORT: String(backendPort), MODEL_PATH: BUNDLED_MODEL },
    'nest pair predictor on',
  );
  const gateway = await startTs(
    'nest-pair-gateway',
    join(BENCH, 'nest-pair', 'nest-pair-gateway.ts'),
    { PORT: String(port), BACKEND_PORT: String(backendPort) },
    'nest pair gateway on',
  );
  return {
    name: 'nest-pair',
    front: 'nest-pair-gateway',
    url: `http://127.0.0.1:${port}`,
    headers: {},
    processes: [gateway.process, predictor.process],
    startMs: {},
  };
}

/**
 * The durable ONNX floor (tools/bench/baseline/durable-onnx-floor.ts) in front
 * of our predictor serving the ONNX test repository, over its TCP face.
 */
export async function startDurableOnnxFloor(
  model: OnnxBenchModel = TINY_SENTIMENT,
): Promise<System> {
  const predictor = await launchPredictor('durable-onnx-floor-predictor', 'predictor-1', model);
  const floor = await startDurableOnnxFront(predictor.tcpPort, model);
  return { ...floor, processes: [...floor.processes, predictor.process] };
}

/** The durable ONNX floor's front alone, in front of whatever speaks our predictor's TCP face at `backendPort`. */
export async function startDurableOnnxFront(
  backendPort: number,
  model: OnnxBenchModel = TINY_SENTIMENT,
): Promise<System> {
  const port = await freePort();
  const front = await startTs(
    'durable-onnx-floor',
    join(BENCH, 'baseline', 'durable-onnx-floor.ts'),
    {
      PORT: String(port),
      BACKEND_PORT: String(backendPort),
      // Its input lines on the disk that ours writes its input log to, as the durable floor's.
      LOG_FILE: join(ROOT, 'tmp', 'bench', `durable-onnx-floor-${Date.now()}.jsonl`),
    },
    'durable onnx floor on',
  );
  return {
    name: 'durable-onnx-floor',
    front: 'durable-onnx-floor',
    url: `http://127.0.0.1:${port}`,
    inferPath: model.inferPath,
    headers: {},
    processes: [front.process],
    startMs: {},
  };
}

/** The ONNX floor (tools/bench/baseline/onnx-floor.ts) on the version our predictor serves. */
export async function startOnnxFloor(model: OnnxBenchModel = TINY_SENTIMENT): Promise<System> {
  const port = await freePort();
  const floor = await startTs(
    'onnx-floor',
    join(BENCH, 'baseline', 'onnx-floor.ts'),
    {
      PORT: String(port),
      MODEL_FOLDER: join(model.repository, model.name, model.version),
    },
    'onnx floor on',
  );
  return {
    name: 'onnx-floor',
    front: 'onnx-floor',
    url: `http://127.0.0.1:${port}`,
    inferPath: '/',
    headers: {},
    processes: [floor.process],
    startMs: {},
  };
}

/** The raw predictor with one of the minimal fronts (tools/bench/baseline/) in front of it. */
export async function startBaseline(name: keyof typeof FRONTS = 'baseline'): Promise<System> {
  const backendPort = await freePort();
  const port = await freePort();
  const backend = launch(
    'raw-predictor',
    join(BENCH, 'baseline', 'raw-predictor.ts'),
    { ...TS_ENV, PORT: String(backendPort), MODEL_PATH: BUNDLED_MODEL },
    TS_NODE,
    logFileFor('raw-predictor'),
  );
  await waitForLine(backend, 'raw predictor on');
  const { script, ready } = FRONTS[name];
  const front = launch(
    script,
    join(BENCH, 'baseline', `${script}.ts`),
    {
      ...TS_ENV,
      PORT: String(port),
      BACKEND_PORT: String(backendPort),
      // The durable floor's input lines, on the disk that ours writes its input log to.
      ...(name === 'durable-floor'
        ? { LOG_FILE: join(ROOT, 'tmp', 'bench', `durable-floor-${Date.now()}.jsonl`) }
        : {}),
    },
    TS_NODE,
    logFileFor(script),
  );
  await waitForLine(front, ready);
  return {
    name,
    front: script,
    url: `http://127.0.0.1:${port}`,
    headers: {},
    processes: [front, backend],
    startMs: {},
  };
}

async function waitForLine(process: NodeProcess, line: string): Promise<void> {
  // ts-node compiles at start: on two busy cores that can take a while.
  const deadline = Date.now() + 60_000;
  while (!process.logs.includes(line)) {
    if (!process.running || Date.now() > deadline) {
      throw new Error(`${process.name} did not start:\n${process.logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
