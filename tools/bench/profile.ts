/**
 * CPU profiles of our services under load: starts the built gateway and
 * predictor(s) with `--cpu-prof`, drives `POST /process` with autocannon,
 * stops them (the profiles are written on exit), and prints each process's
 * self time by layer. The `.cpuprofile` files stay under `--out` for Chrome
 * DevTools (Performance tab, "Load profile").
 *
 *   npx nx run tools:profile [-- --mode forward|local|onnx --connections 64 --duration 6 --predictors 1 --pg
 *                                --onnx-model tiny-sentiment|mini-bert]
 *
 * `--pg` starts a private PostgreSQL (as the bench's `--pg 1` does) and
 * points the gateway's INPUT_LOG_DATABASE_URL at it: the shipper runs under load.
 *
 * `onnx` posts the ONNX scenario's infer body to the model's infer path on the gateway
 * (the predictor serving the test repository); its model worker threads get profiles too.
 *
 * The profiler slows the services down: read shares, not requests/s.
 */
import autocannon from 'autocannon';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresServer } from '@ml-system/test-support';
import { bundleSourceResolver, summarizeProfile } from './profile-summary';
import type { CpuProfile } from './profile-summary';
import { ONNX_BENCH_MODELS, ONNX_INFER_BODY, runStamp, startOurs, stopAll } from './systems';
import { ONNX_MODEL_NAMES } from './bench-options';
import type { OnnxModelName } from './bench-options';

/** The private PostgreSQL of a `--pg` run; removed at the end, on the error path too. */
let postgres: PostgresServer | undefined;

async function stopEverything(): Promise<void> {
  await stopAll();
  const server = postgres;
  postgres = undefined;
  await server?.dispose();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      mode: { type: 'string', default: 'forward' },
      connections: { type: 'string', default: '64' },
      duration: { type: 'string', default: '6' },
      predictors: { type: 'string', default: '1' },
      pg: { type: 'boolean', default: false },
      'onnx-model': { type: 'string', default: 'tiny-sentiment' },
      out: { type: 'string', default: join('tmp', 'bench', `profiles-${runStamp()}`) },
    },
  });
  const { mode } = values;
  if (mode !== 'forward' && mode !== 'local' && mode !== 'onnx')
    throw new Error(`--mode is forward, local or onnx, not ${mode}`);
  const modelName = values['onnx-model'];
  if (!(ONNX_MODEL_NAMES as readonly string[]).includes(modelName))
    throw new Error(`--onnx-model is one of ${ONNX_MODEL_NAMES.join(', ')}, not ${modelName}`);
  const onnxModel = mode === 'onnx' ? ONNX_BENCH_MODELS[modelName as OnnxModelName]() : undefined;
  const connections = Number(values.connections);
  const duration = Number(values.duration);
  const predictors = Number(values.predictors);
  const dir = resolve(values.out);
  mkdirSync(dir, { recursive: true });

  if (values.pg) postgres = await PostgresServer.start();
  const system = await startOurs(predictors, {
    extraNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    ...(onnxModel ? { onnx: true, onnxModel } : {}),
    ...(postgres ? { databaseUrl: postgres.url } : {}),
  });
  const path = onnxModel ? onnxModel.inferPath : '/process';
  const names = new Map(system.processes.map((p) => [p.pid, p.name]));
  let result: autocannon.Result;
  try {
    result = await autocannon({
      url: `${system.url}${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...system.headers },
      body:
        mode === 'onnx'
          ? ONNX_INFER_BODY
          : JSON.stringify({
              data: 'wags its tail when I come home',
              forward_to_model: mode === 'forward',
            }),
      connections,
      duration,
    });
  } finally {
    await stopEverything();
  }
  console.log(
    `POST ${path} ${mode}, ${connections} connection(s), ${duration}s under the profiler: ` +
      `${result.requests.total} requests, ${result.non2xx} non-2xx`,
  );
  const sourceOf = bundleSourceResolver();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    // node names its profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
    const pid = Number(file.split('.')[3]);
    const { busyMs, layers } = summarizeProfile(
      JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
      sourceOf,
    );
    console.log(`\n${names.get(pid) ?? `pid ${pid}`}: ${Math.round(busyMs)} ms busy (${file})`);
    for (const { layer, ms, share } of layers.slice(0, 15)) {
      console.log(
        `${(share * 100).toFixed(1).padStart(6)}%  ${Math.round(ms).toString().padStart(6)} ms  ${layer}`,
      );
    }
  }
  console.log(`\nprofiles: ${dir}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  // A system that failed halfway up must not outlive the run.
  await stopEverything();
  process.exit(1);
});
