import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer, freePort, waitFor } from '@ml-system/test-support';
import { startGateway } from './support/system';
import type { GatewayHandle } from './support/system';

/*
 * Two built gateways ship into one real PostgreSQL under load, through a
 * database outage and a SIGKILL of one gateway: every acknowledged request id
 * ends up in input_log exactly once, either gateway finds the other's inputs,
 * and the gateway that was not killed answers 200 throughout.
 */

const CLIENTS_PER_GATEWAY = 4;
/** Acknowledged requests per phase: enough for many batches, bounded for a shared 2-core machine. */
const PHASE_ACKS = 400;
const OUTAGE_MS = 4000;

interface Load {
  acknowledged: string[];
  statuses: Map<number | 'error', number>;
  stop: () => Promise<void>;
}

/** Clients posting back to back until stopped (or, for a killed gateway, until the connection fails). */
function load(url: string, name: string): Load {
  const acknowledged: string[] = [];
  const statuses = new Map<number | 'error', number>();
  let stopped = false;
  const count = (key: number | 'error'): void => {
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  };
  const clients = Array.from({ length: CLIENTS_PER_GATEWAY }, async (_, c) => {
    for (let n = 0; !stopped; n++) {
      const id = `${name}-c${c}-${n}`;
      try {
        const response = await fetch(`${url}/process`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ data: `chaos ${id}`, forward_to_model: false }),
        });
        await response.arrayBuffer();
        count(response.status);
        if (response.status === 200) acknowledged.push(id);
      } catch {
        count('error');
        return;
      }
    }
  });
  return {
    acknowledged,
    statuses,
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no ${name} in ${url}/metrics`);
  return Number(match[1]);
}

describe('input log shipped to PostgreSQL: two gateways, a database outage, a SIGKILL', () => {
  let database: PostgresServer;
  const dirs: string[] = [];
  const gateways: GatewayHandle[] = [];

  beforeAll(async () => {
    database = await PostgresServer.start();
  }, 90_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.process.kill();
    await database?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged input exactly once, and each gateway finds the other’s', async () => {
    const predictorPort = await freePort(); // nothing listens: no request is forwarded
    const start = async (instance: string, dir: string): Promise<GatewayHandle> => {
      const gateway = await startGateway([predictorPort], {
        INPUT_LOG_DIR: dir,
        INPUT_LOG_DATABASE_URL: database.url,
        GATEWAY_INSTANCE_ID: instance,
        INPUT_LOG_DATABASE_STATEMENT_TIMEOUT_MS: '2000',
        RATE_LIMIT_MAX: '0',
      });
      gateways.push(gateway);
      return gateway;
    };
    const dirA = mkdtempSync(join(tmpdir(), 'gateway-e2e-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'gateway-e2e-b-'));
    dirs.push(dirA, dirB);
    const a = await start('gw-a', dirA);
    let b = await start('gw-b', dirB);

    // The lag, sampled from both gateways' /metrics while everything happens.
    let lagPeakSeconds = 0;
    let unshippedPeak = 0;
    let sampling = true;
    let bUrl = b.url;
    const sampler = (async () => {
      while (sampling) {
        for (const url of [a.url, bUrl]) {
          try {
            lagPeakSeconds = Math.max(
              lagPeakSeconds,
              await metric(url, 'input_log_unshipped_oldest_age_seconds'),
            );
            unshippedPeak = Math.max(
              unshippedPeak,
              await metric(url, 'input_log_unshipped_records'),
            );
          } catch {
            // The killed gateway does not answer for a moment.
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const loadA = load(a.url, 'a');
    let loadB = load(b.url, 'b1');
    const acksAt = (n: number) => () =>
      loadA.acknowledged.length >= n && loadB.acknowledged.length >= n ? true : undefined;
    await waitFor(`${PHASE_ACKS} acknowledged requests on each gateway`, acksAt(PHASE_ACKS), {
      timeoutMs: 60_000,
    });

    // The database goes away for several seconds; both keep taking inputs into their local logs.
    await database.stop();
    const outageStarted = Date.now();
    const beforeOutage = loadA.acknowledged.length;
    await waitFor(
      'both shippers to fail and the outage to last',
      async () =>
        Date.now() - outageStarted >= OUTAGE_MS &&
        loadA.acknowledged.length >= beforeOutage + PHASE_ACKS &&
        (await metric(a.url, 'input_log_ship_failures_total')) > 0 &&
        (await metric(b.url, 'input_log_ship_failures_total')) > 0
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const backlogB = await metric(b.url, 'input_log_unshipped_records');
    await database.resume();

    // B dies while it catches up on its backlog (mid-batch), and comes back on its log.
    await waitFor(
      'B to start catching up',
      async () =>
        (await metric(b.url, 'input_log_unshipped_records')) < backlogB ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    await b.process.kill();
    await loadB.stop();
    const acknowledgedBeforeKill = [...loadB.acknowledged];
    b = await start('gw-b', dirB);
    bUrl = b.url;
    loadB = load(b.url, 'b2');
    const aBefore = loadA.acknowledged.length;
    await waitFor(
      'more load on both after the restart',
      () =>
        loadB.acknowledged.length >= PHASE_ACKS && loadA.acknowledged.length >= aBefore + PHASE_ACKS
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
    await Promise.all([loadA.stop(), loadB.stop()]);

    await waitFor(
      'both shippers to catch up',
      async () =>
        (await metric(a.url, 'input_log_unshipped_records')) === 0 &&
        (await metric(b.url, 'input_log_unshipped_records')) === 0
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    sampling = false;
    await sampler;

    const acknowledged = [...loadA.acknowledged, ...acknowledgedBeforeKill, ...loadB.acknowledged];
    const rows = await database.query<{ id: string; input_writes: number }>(
      'SELECT id, input_writes FROM input_log WHERE id = ANY($1::text[])',
      [acknowledged],
    );
    const inDatabase = new Set(rows.map((row) => row.id));
    const missing = acknowledged.filter((id) => !inDatabase.has(id));
    const duplicates = rows.filter((row) => row.input_writes !== 1).length;
    const [{ total }] = await database.query<{ total: string }>(
      'SELECT count(*) AS total FROM input_log',
    );

    // Each gateway answers for the other's inputs (all of them, a few at a time).
    const crossMisses: string[] = [];
    const pairs: Array<[string, string]> = [
      ...loadA.acknowledged.map((id): [string, string] => [b.url, id]),
      ...[...acknowledgedBeforeKill, ...loadB.acknowledged].map((id): [string, string] => [
        a.url,
        id,
      ]),
    ];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let pair = pairs.pop(); pair; pair = pairs.pop()) {
          const response = await fetch(`${pair[0]}/logs/${pair[1]}`);
          const body = (await response.json()) as { id?: string; outcome?: unknown };
          if (response.status !== 200 || body.id !== pair[1]) crossMisses.push(pair[1]);
        }
      }),
    );

    console.log(
      `chaos: acknowledged ${acknowledged.length} (A ${loadA.acknowledged.length}, B ${acknowledgedBeforeKill.length} before SIGKILL + ${loadB.acknowledged.length} after); ` +
        `rows in input_log ${total}; acknowledged found ${acknowledged.length - missing.length}; ` +
        `duplicates ${duplicates}; lag peak ${lagPeakSeconds.toFixed(2)} s (oldest unshipped record), ` +
        `unshipped peak ${unshippedPeak} records; database down ${OUTAGE_MS} ms+; ` +
        `A statuses ${JSON.stringify(Object.fromEntries(loadA.statuses))}; cross-gateway misses ${crossMisses.length}`,
    );
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    expect(crossMisses).toEqual([]);
    // The gateway that was not killed answered only 200, the outage included.
    expect([...loadA.statuses.keys()]).toEqual([200]);
    // Every row is an acknowledged input, or one that B had made durable just before the kill.
    expect(Number(total)).toBeGreaterThanOrEqual(acknowledged.length);
    expect(Number(total)).toBeLessThanOrEqual(acknowledged.length + CLIENTS_PER_GATEWAY);
  }, 240_000);
});
