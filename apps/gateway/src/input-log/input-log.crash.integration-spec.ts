import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFile, readdir, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDir } from '../testing/temp-dir';
import { freePort, waitFor } from '@ml-system/test-support';
import { encodeRecord, parseSegmentFileName } from './segment-file';

/*
 * DESIGN §7 with real processes and a real disk: SIGKILL the built gateway in
 * the middle of a load of `forward_to_model: false` requests, restart it on
 * the same directory, and find every request that was acknowledged.
 */

const ROOT = resolve(__dirname, '../../../..');
const MAIN = join(ROOT, 'dist/apps/gateway/main.js');
const SOURCES = ['apps/gateway/src', 'libs/contracts/src', 'libs/server-core/src'];
const BUILD_FILES = [
  'apps/gateway/webpack.config.js',
  'apps/gateway/tsconfig.app.json',
  'tsconfig.base.json',
  'package-lock.json',
];
const CLIENTS = 16;
const KILL_AFTER_MS = 1500;
/** In every payload, so that a payload in the processes' output is easy to spot. */
const MARK = 'crash-payload-marker';

async function newestSourceMtime(): Promise<number> {
  let newest = 0;
  for (const dir of SOURCES) {
    for (const name of await readdir(join(ROOT, dir), { recursive: true })) {
      if (!name.endsWith('.ts') || /\.(spec|integration-spec|e2e-spec)\.ts$/.test(name)) continue;
      newest = Math.max(newest, (await stat(join(ROOT, dir, name))).mtimeMs);
    }
  }
  for (const file of BUILD_FILES) newest = Math.max(newest, (await stat(join(ROOT, file))).mtimeMs);
  return newest;
}

/** Builds the gateway when dist is missing or older than a source it is made from. */
async function ensureBuilt(): Promise<void> {
  const built = await stat(MAIN).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built > (await newestSourceMtime())) return;
  // A clean environment: the outer Nx run's task variables and jest's NODE_ENV=test must not leak in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('NX_') && key !== 'NODE_ENV' && !key.startsWith('JEST'),
    ),
  );
  // Nx decides by content hash, so a touched but unchanged source is a quick cache hit.
  await promisify(execFile)('npx', ['nx', 'build', 'gateway'], {
    cwd: ROOT,
    env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    timeout: 150_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  // Webpack leaves an output whose content did not change untouched (compareBeforeEmit),
  // which would keep it looking stale and rebuild on every run.
  const now = new Date();
  await utimes(MAIN, now, now);
}

interface Gateway {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<void>;
}

async function startGateway(dir: string): Promise<Gateway> {
  const [port, predictorPort] = await Promise.all([freePort(), freePort()]);
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      // Nothing listens there: these requests are never forwarded.
      PREDICTOR_ENDPOINTS: `127.0.0.1:${predictorPort}`,
      INPUT_LOG_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const output = (): string => Buffer.concat(chunks).toString('utf8');
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the gateway to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited: ${output()}`);
      return (await fetch(`${url}/health/ready`)).status === 200;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return { child, url, output, exited };
}

/** One client: requests back to back until the gateway stops answering; returns the acknowledged ids. */
async function client(url: string, name: string): Promise<string[]> {
  const acknowledged: string[] = [];
  for (let n = 0; ; n++) {
    const id = `${name}-${n}`;
    try {
      const response = await fetch(`${url}/process`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ data: `${MARK} ${id}`, forward_to_model: false }),
      });
      await response.arrayBuffer();
      if (response.status === 200) acknowledged.push(id);
    } catch {
      return acknowledged;
    }
  }
}

describe('input log, SIGKILL under load (built gateway, real processes)', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = await makeTempDir('crash');
  }, 180_000);

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir) await removeTempDir(dir);
  });

  it('loses no acknowledged input', async () => {
    const first = await startGateway(dir);
    children.push(first.child);
    const load = Array.from({ length: CLIENTS }, (_, c) => client(first.url, `c${c}`));
    await new Promise((done) => setTimeout(done, KILL_AFTER_MS));
    first.child.kill('SIGKILL');
    const acknowledged = (await Promise.all(load)).flat();
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThan(100);

    // SIGKILL cannot stop a write() halfway, so add what a write cut short
    // (power loss, a full disk) would leave: half a record at the end.
    const newest = (await readdir(dir))
      .filter((name) => parseSegmentFileName(name) !== null)
      .sort()
      .pop();
    expect(newest).toBeDefined();
    const half = encodeRecord({ type: 'input', id: 'torn-by-test', data: MARK });
    await appendFile(join(dir, newest ?? ''), half.subarray(0, half.length >> 1));

    const second = await startGateway(dir);
    children.push(second.child);
    const missing: string[] = [];
    const queue = [...acknowledged];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
          const response = await fetch(`${second.url}/logs/${id}`);
          const body = (await response.json()) as { id?: string; data?: string };
          if (response.status !== 200 || body.id !== id || body.data !== `${MARK} ${id}`)
            missing.push(id);
        }
      }),
    );
    // Still appending after recovery.
    const after = await fetch(`${second.url}/process`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: 'after the crash', forward_to_model: false }),
    });
    expect(after.status).toBe(200);

    console.log(
      `crash test: ${acknowledged.length} acknowledged requests from ${CLIENTS} clients before SIGKILL at ${KILL_AFTER_MS} ms; ` +
        `${acknowledged.length - missing.length} found after restart`,
    );
    expect(missing).toEqual([]);
    expect(second.output()).toMatch(
      /skipped damaged records \(torn at \d+ \(\d+ bytes\)\); truncated the torn tail/,
    );
    expect((await fetch(`${second.url}/logs/torn-by-test`)).status).toBe(404);
    // Records reach the log only: no payload in either process's output.
    expect(first.output()).not.toContain(MARK);
    expect(second.output()).not.toContain(MARK);

    second.child.kill('SIGTERM');
    await second.exited;
    // SIGTERM drains, closes the log (flush + fsync) and exits 0.
    expect(second.child.signalCode ?? second.child.exitCode).toBe(0);
  }, 60_000);
});
