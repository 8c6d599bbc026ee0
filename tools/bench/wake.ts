/**
 * What one hand-over costs on this machine, by how long the other side sat
 * idle before it: a round trip to a worker thread (postMessage there and back,
 * as the predictor hands a batch to its model's worker) and to another process
 * over loopback TCP (as the gateway hands a request to the predictor). At one
 * connection every hop of a request finds the other side idle; the figures say
 * what each hop the architecture adds costs in latency before any code runs.
 *
 *   npx nx run tools:wake [-- --rounds 300]
 */
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

/** How long the caller computes (the other side idle) before each round trip, µs. */
const GAPS_US = [0, 100, 300, 1000, 3000];

/** Keeps this thread busy for `us` microseconds, as a request's own work would. */
function compute(us: number): void {
  const end = process.hrtime.bigint() + BigInt(us * 1000);
  while (process.hrtime.bigint() < end);
}

/** Microseconds `trip` takes, median and 90th percentile over `rounds`, after a gap each. */
async function measure(
  trip: () => Promise<void>,
  gapUs: number,
  rounds: number,
): Promise<[number, number]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (gapUs > 0) compute(gapUs);
    const started = process.hrtime.bigint();
    await trip();
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return [times[Math.floor(rounds / 2)] ?? NaN, times[Math.floor(rounds * 0.9)] ?? NaN];
}

function workerTrip(worker: Worker): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage(1);
    });
}

function socketTrip(socket: Socket): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      socket.once('data', () => resolve());
      socket.write('x');
    });
}

/** The echo side of the TCP measurement, in a child process: answers every byte it reads. */
function serveEcho(): void {
  void import('node:net').then(({ createServer }) => {
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      socket.on('data', (chunk) => socket.write(chunk));
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      process.send?.(typeof address === 'object' && address ? address.port : 0);
    });
    process.on('disconnect', () => process.exit(0));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: { rounds: { type: 'string', default: '300' } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 10)
    throw new Error('--rounds takes a whole number ≥ 10');

  const worker = new Worker(
    "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));",
    { eval: true },
  );
  const child = fork(__filename, ['--echo'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve) =>
      child.once('message', (m) => resolve(Number(m))),
    );
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    const trips = {
      'worker thread (postMessage)': workerTrip(worker),
      'process (loopback TCP)': socketTrip(socket),
    };
    for (const trip of Object.values(trips)) await measure(trip, 0, rounds);
    console.log(
      `round trip, µs (median / 90th percentile of ${rounds}), after the caller computed for a while (the other side idle):\n`,
    );
    console.log(['to', ...GAPS_US.map((gap) => `after ${gap} µs`)].join(' | '));
    for (const [name, trip] of Object.entries(trips)) {
      const cells: string[] = [];
      for (const gap of GAPS_US) {
        const [p50, p90] = await measure(trip, gap, rounds);
        cells.push(`${Math.round(p50)} / ${Math.round(p90)}`);
      }
      console.log([name, ...cells].join(' | '));
    }
    socket.destroy();
  } finally {
    child.kill();
    await worker.terminate();
  }
}

if (process.argv.includes('--echo')) serveEcho();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
