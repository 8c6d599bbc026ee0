import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, freePort, waitFor } from '@ml-system/test-support';
import { GATEWAY_MAIN } from './support/system';

/*
 * The input log with real processes and a real disk: SIGKILL the built
 * gateway in the middle of a load of `forward_to_model: false` requests,
 * restart it on the same directory, and find every request that was acknowledged.
 */

const CLIENTS = 16;
/** Acknowledged requests to wait for before the kill: the log is busy, with batches in flight. */
const KILL_AFTER_ACKS = 500;
/** In every payload, so that a payload in the processes' output is easy to spot. */
const MARK = 'crash-payload-marker';
/** The segment file name (docs/input-log.md, "On disk"). */
const SEGMENT_NAME = /^input-\d{16}\.log$/;

async function startGateway(dir: string): Promise<{ process: NodeProcess; url: string }> {
  const [port, predictorPort] = await Promise.all([freePort(), freePort()]);
  const gateway = NodeProcess.start('gateway', GATEWAY_MAIN, {
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    // Nothing listens there: these requests are never forwarded.
    PREDICTOR_ENDPOINTS: `127.0.0.1:${predictorPort}`,
    INPUT_LOG_DIR: dir,
    LOG_LEVEL: 'info',
  });
  const url = `http://127.0.0.1:${port}`;
  await gateway.waitForHttp(`${url}/health/ready`, 20_000);
  return { process: gateway, url };
}

/** One client: requests back to back until the gateway stops answering; acknowledged ids go to `acknowledged`. */
async function client(url: string, name: string, acknowledged: string[]): Promise<void> {
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
      return;
    }
  }
}

describe('input log, SIGKILL under load (built gateway, real processes)', () => {
  let dir: string;
  const processes: NodeProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-e2e-crash-'));
  });

  afterAll(async () => {
    for (const gateway of processes) await gateway.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged input', async () => {
    const first = await startGateway(dir);
    processes.push(first.process);
    const acknowledged: string[] = [];
    const load = Array.from({ length: CLIENTS }, (_, c) =>
      client(first.url, `c${c}`, acknowledged),
    );
    await waitFor(`${KILL_AFTER_ACKS} acknowledged requests`, () =>
      acknowledged.length >= KILL_AFTER_ACKS ? true : undefined,
    );
    await first.process.kill();
    await Promise.all(load);
    expect(first.process.running).toBe(false);

    // SIGKILL cannot stop a write() halfway, so add what a write cut short
    // (power loss, a full disk) would leave: half a record at the end.
    const newest = (await readdir(dir))
      .filter((name) => SEGMENT_NAME.test(name))
      .sort()
      .pop();
    expect(newest).toBeDefined();
    await appendFile(join(dir, newest ?? ''), `0badc0de {"type":"input","id":"torn-by-test","da`);

    const second = await startGateway(dir);
    processes.push(second.process);
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
      `crash test: ${acknowledged.length} acknowledged requests from ${CLIENTS} clients before SIGKILL; ` +
        `${acknowledged.length - missing.length} found after restart`,
    );
    expect(missing).toEqual([]);
    expect(second.process.logs).toMatch(
      /skipped damaged records \(torn at \d+ \(\d+ bytes\)\); truncated the torn tail/,
    );
    expect((await fetch(`${second.url}/logs/torn-by-test`)).status).toBe(404);
    // Records reach the log only: no payload in either process's output.
    expect(first.process.logs).not.toContain(MARK);
    expect(second.process.logs).not.toContain(MARK);

    // SIGTERM drains, closes the log (flush + fsync) and exits 0.
    expect(await second.process.stop()).toBe(0);
  }, 60_000);
});
