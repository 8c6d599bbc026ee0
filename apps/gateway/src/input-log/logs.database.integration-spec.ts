import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PostgresServer, waitFor } from '@ml-system/test-support';
import { PredictorClient } from '../predictor-client/predictor-client';
import { CAT } from '../testing/fixtures';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';

/*
 * GET /logs, /health, /metrics and POST /process with INPUT_LOG_DATABASE_URL
 * set, against a real PostgreSQL: any replica's inputs are found, this
 * replica's are found before they are shipped, and the bound is enforced.
 */

interface Page {
  items: Array<{ id: string; outcome: unknown }>;
  next: string | null;
}

describe('input log with a database (HTTP pipeline, real PostgreSQL)', () => {
  let server: PostgresServer;
  let app: NestFastifyApplication;

  const post = (id: string) =>
    app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      payload: { data: `text ${id}`, forward_to_model: false },
    });
  const get = (url: string) => app.inject({ method: 'GET', url });
  const shipper = async () =>
    (await get('/health')).json<{ details: { input_log_shipper: Record<string, unknown> } }>()
      .details.input_log_shipper;

  async function start(env: Record<string, string> = {}): Promise<void> {
    // A predictor that answers its health check, so that /health speaks of the shipper alone.
    const checkEndpoints = jest.fn().mockResolvedValue([
      {
        endpoint: {
          address: 'p:1',
          target: 'p:1',
          breaker: 'closed',
          inFlight: 0,
          consecutiveFailures: 0,
          lastError: null,
          lastErrorAt: null,
          probeAt: null,
          draining: false,
        },
        latencyMs: 1,
        reply: { status: 'up', ready: true, model: { name: 'm', version: '1' }, uptime_s: 1 },
      },
    ]);
    app = await gatewayTestApp(
      strictMock(PredictorClient, { checkEndpoints, predict: async () => CAT }),
      {
        env: {
          INPUT_LOG_DATABASE_URL: server.url,
          GATEWAY_INSTANCE_ID: 'gw-test',
          INPUT_LOG_SHIP_DRAIN_MS: '2000',
          ...env,
        },
      },
    );
  }

  beforeAll(async () => {
    server = await PostgresServer.start();
  }, 90_000);

  afterAll(async () => {
    await server?.dispose();
  });

  afterEach(async () => {
    if (!server.running) await server.resume();
    await app?.close();
    await server.query('TRUNCATE input_log, input_log_shipper');
  });

  it('answers GET /logs/:id for this replica (shipped or not yet) and for another one', async () => {
    await start();
    expect((await post('mine-1')).statusCode).toBe(200);
    // Read your writes: found at once, shipped or not.
    expect((await get('/logs/mine-1')).statusCode).toBe(200);
    await waitFor('the row', async () =>
      (await server.query("SELECT 1 FROM input_log WHERE id = 'mine-1' AND outcome IS NOT NULL"))
        .length === 1
        ? true
        : undefined,
    );
    // What another replica shipped.
    await server.query(
      `INSERT INTO input_log (id, instance_id, received_at, redaction, data, forward_to_model, outcome, outcome_recorded_at)
       VALUES ('theirs-1', 'gw-other', now(), 'none', 'their text', false, '{"status":"logged","latency_ms":3}', now())`,
    );
    const theirs = await get('/logs/theirs-1');
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()).toMatchObject({
      id: 'theirs-1',
      data: 'their text',
      outcome: { status: 'logged', latency_ms: 3 },
    });
    expect((await get('/logs/nobody')).statusCode).toBe(404);
    expect(await shipper()).toMatchObject({
      status: 'up',
      instance_id: 'gw-test',
    });
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^input_log_unshipped_records \d+$/m);
    expect(metrics).toMatch(/^input_log_unshipped_oldest_age_seconds [\d.e-]+$/m);
    expect(metrics).toMatch(/^input_log_ship_batch_records_count [1-9]\d*$/m);
    expect(metrics).toMatch(/^input_log_ship_failures_total 0$/m);
  });

  it('ships and reads back the model and version a request asked for, and the infer kind', async () => {
    await start();
    const asked = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', 'x-request-id': 'named-1' },
      payload: {
        data: 'text',
        forward_to_model: false,
        model: 'tiny-sentiment',
        model_version: '2',
      },
    });
    expect(asked.statusCode).toBe(200);
    const row = await waitFor('the shipped row', async () => {
      const rows = await server.query(
        "SELECT model, model_version, kind FROM input_log WHERE id = 'named-1'",
      );
      return rows[0];
    });
    expect(row).toEqual({ model: 'tiny-sentiment', model_version: '2', kind: null });
    // What another replica shipped for an infer request, read back from the database.
    await server.query(
      `INSERT INTO input_log (id, instance_id, received_at, redaction, data, forward_to_model, model, kind, outcome, outcome_recorded_at)
       VALUES ('theirs-infer', 'gw-other', now(), 'none', '{"inputs":[]}', true, 'tensor-demo', 'infer',
               '{"status":"inferred","model_version":"1","latency_ms":4}', now())`,
    );
    const theirs = (await get('/logs/theirs-infer')).json<Record<string, unknown>>();
    expect(theirs).toMatchObject({
      id: 'theirs-infer',
      model: 'tensor-demo',
      kind: 'infer',
      outcome: { status: 'inferred', model_version: '1', latency_ms: 4 },
    });
    expect(theirs).not.toHaveProperty('model_version');
  });

  it('pages through the database and this replica’s unshipped inputs, newest first, each once', async () => {
    await start();
    for (let i = 0; i < 4; i++) expect((await post(`p${i}`)).statusCode).toBe(200);
    await server.query(
      `INSERT INTO input_log (id, instance_id, received_at, redaction, data, forward_to_model)
       VALUES ('old-other', 'gw-other', now() - interval '1 hour', 'none', 'x', false)`,
    );
    const ids: string[] = [];
    let url = '/logs?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      const page = response.json<Page>();
      ids.push(...page.items.map((item) => item.id));
      if (!page.next) break;
      url = `/logs?limit=2&before=${encodeURIComponent(page.next)}`;
    }
    expect(ids).toEqual(['p3', 'p2', 'p1', 'p0', 'old-other']);
    // A cursor of the local log is not one of the database: a 400, not a 503.
    expect((await get('/logs?before=MTo5')).statusCode).toBe(400);
  });

  it('keeps answering 200 while the database is down, degraded, then catches up', async () => {
    await start();
    expect((await post('before-outage')).statusCode).toBe(200);
    await server.stop();
    for (let i = 0; i < 20; i++) expect((await post(`during-${i}`)).statusCode).toBe(200);
    await waitFor('the shipper to report the outage', async () =>
      (await shipper())['status'] === 'down' ? true : undefined,
    );
    const health = await get('/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'degraded' });
    expect((await get('/health/ready')).statusCode).toBe(200);
    // This replica's own inputs are still found; the database's are not reachable.
    expect((await get('/logs/during-3')).statusCode).toBe(200);
    expect((await get('/logs/someone-elses')).statusCode).toBe(503);
    await server.resume();
    await waitFor(
      'the backlog to be shipped',
      async () =>
        (await server.query<{ n: string }>('SELECT count(*) AS n FROM input_log'))[0]?.n === '21'
          ? true
          : undefined,
      { timeoutMs: 20_000 },
    );
    await waitFor('health to recover', async () =>
      (await get('/health')).json<{ status: string }>().status === 'healthy' ? true : undefined,
    );
  }, 60_000);

  it('refuses new inputs (503, not ready) at the backlog bound, and takes them again once shipped', async () => {
    await start({ INPUT_LOG_SHIP_BACKLOG_BYTES: '8192' });
    await server.stop();
    let refused = await post('fill-0');
    for (let i = 1; refused.statusCode === 200; i++) {
      expect(i).toBeLessThan(500);
      refused = await post(`fill-${i}`);
    }
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({
      code: 'INPUT_LOG_UNAVAILABLE',
      detail: expect.stringContaining('backlog not yet shipped to the database is full'),
    });
    expect((await get('/health/ready')).statusCode).toBe(503);
    await server.resume();
    await waitFor(
      'readiness',
      async () => ((await get('/health/ready')).statusCode === 200 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    expect((await post('after')).statusCode).toBe(200);
  }, 60_000);

  it('ships, with a prediction, the model that answered it (the request named none)', async () => {
    await start();
    const predicted = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', 'x-request-id': 'answered-1' },
      payload: { data: 'a cat', forward_to_model: true },
    });
    expect(predicted.statusCode).toBe(200);
    const row = await waitFor('the shipped outcome', async () => {
      const rows = await server.query(
        "SELECT model, outcome FROM input_log WHERE id = 'answered-1' AND outcome IS NOT NULL",
      );
      return rows[0];
    });
    expect(row).toEqual({
      model: null,
      outcome: {
        status: 'predicted',
        class: 'cat',
        confidence: 0.93,
        model: 'm',
        model_version: '1',
        latency_ms: expect.any(Number),
      },
    });
  });
});
