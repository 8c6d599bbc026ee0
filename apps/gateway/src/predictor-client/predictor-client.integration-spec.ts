import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Tracing } from '@ml-system/server-core';
import { GatewayMetrics } from '../observability/gateway.metrics';
import { RpcClientTelemetry } from '../observability/rpc-client.telemetry';
import { ConfigService } from '@nestjs/config';
import { FaultProxy } from '@ml-system/fault-proxy';
import { freePort, waitFor } from '@ml-system/test-support';
import { validateGatewayEnv } from '../config/gateway.config';
import type { GatewayEnv } from '../config/gateway.config';
import { HEALTHY, StubPredictor, answerAll, stubPrediction } from '../testing/stub-predictor';
import { PredictorClient } from './predictor-client';
import type { CallContext } from './predictor-client';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';
import type { ResolveHost } from './resolver';

beforeAll(() => {
  Logger.overrideLogger(false);
});

/**
 * PredictorClient over real TCP against bare stubs that speak Nest's framing
 * (and, for the wire faults, through the fault proxy): every failure a
 * predictor can have, one at a time. The real predictor is exercised end to
 * end in apps/gateway-e2e.
 */
describe('PredictorClient over TCP (stub predictors)', () => {
  const clients: PredictorClient[] = [];
  const stubs: StubPredictor[] = [];
  const proxies: FaultProxy[] = [];

  async function clientFor(
    env: Record<string, string>,
    resolve?: ResolveHost,
  ): Promise<PredictorClient> {
    const config = new ConfigService<GatewayEnv, true>(
      validateGatewayEnv({ PREDICTOR_TIMEOUT_MS: '300', PREDICTOR_RETRY_BACKOFF_MS: '5', ...env }),
    );
    const telemetry = new RpcClientTelemetry(
      await Tracing.create({ service: 'spec', version: '0' }),
      new GatewayMetrics(new Registry()),
    );
    const client = new PredictorClient(config, telemetry, resolve);
    await client.onModuleInit();
    clients.push(client);
    return client;
  }

  async function stub(...args: Parameters<typeof StubPredictor.start>): Promise<StubPredictor> {
    const started = await StubPredictor.start(...args);
    stubs.push(started);
    return started;
  }

  const endpoints = (...ports: number[]): string => ports.map((p) => `127.0.0.1:${p}`).join(',');
  const context = (deadlineMs = 2_500): CallContext => ({
    requestId: 'it-1',
    deadline: Date.now() + deadlineMs,
  });

  /** The failure of `promise`, and how long it took. */
  async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
    const started = performance.now();
    try {
      await promise;
    } catch (error) {
      return { error, ms: performance.now() - started };
    }
    throw new Error('expected a failure');
  }

  /**
   * Whether `promise` fails before the event loop turns once: no socket read, no timer. A
   * wall-clock bound under a few tens of ms flakes on a busy machine; this cannot.
   */
  async function failsWithoutWaiting(promise: Promise<unknown>): Promise<unknown> {
    const settled = promise.then(
      () => ({ value: 'resolved' }),
      (error: unknown) => ({ error }),
    );
    const turn = new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')));
    const first = await Promise.race([settled, turn]);
    if (first === 'pending') throw new Error('it waited on I/O or a timer');
    if (!('error' in first)) throw new Error('expected a failure');
    return first.error;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.onApplicationShutdown();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await Promise.all(stubs.splice(0).map((s) => s.close()));
  });

  it('predicts over TCP, carrying the request id, trace context and absolute deadline in meta', async () => {
    const predictor = await stub();
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(predictor.port) });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const deadline = Date.now() + 2_000;
    const result = await client.predict('a cat', { requestId: 'r-42', traceparent, deadline });
    expect(result.prediction).toMatchObject({ class: 'cat', input_length: 5 });
    expect(predictor.received[0]).toMatchObject({
      pattern: 'predictor.predict.v1',
      data: {
        payload: { input: 'a cat' },
        // Same trace, new parent: the attempt's own client span.
        meta: {
          request_id: 'r-42',
          traceparent: expect.stringMatching(
            /^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[\da-f]{16}-01$/,
          ),
          deadline,
        },
      },
    });
  });

  it('answers "unavailable" within milliseconds when nothing listens, after its retries', async () => {
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(await freePort()) });
    const { error, ms } = await failure(client.predict('x', context()));
    expect(PredictorUnavailableError.is(error)).toBe(true);
    expect((error as Error).message).toBe('Predictor is unavailable: connection refused');
    expect(ms).toBeLessThan(500);
  });

  it.each(['close', 'reset'] as const)(
    'serves every call when one of two endpoints drops connections (%s) before replying',
    async (action) => {
      const dropping = await stub(() => action);
      const healthy = await stub();
      const client = await clientFor({
        PREDICTOR_ENDPOINTS: endpoints(dropping.port, healthy.port),
      });
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => client.predict(`cat ${i}`, context())),
      );
      expect(results).toHaveLength(30);
      expect(dropping.received.length).toBeGreaterThan(0);
    },
  );

  it('serves every call when one endpoint is shutting down (SHUTTING_DOWN did no work: retried elsewhere)', async () => {
    const draining = await stub(() => ({ error: { code: 'SHUTTING_DOWN', message: 'draining' } }));
    const healthy = await stub();
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(draining.port, healthy.port) });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.predict('a dog', context())),
    );
    expect(results).toHaveLength(20);
  });

  it('does not retry an error the predictor answered on purpose', async () => {
    const refusing = await stub(() => ({
      error: { code: 'INVALID_INPUT', message: 'payload.input: maxLength' },
    }));
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(refusing.port) });
    const { error } = await failure(client.predict('x', context()));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: 'payload.input: maxLength' });
    expect(refusing.received).toHaveLength(1);
  });

  it('times out a hung endpoint after PREDICTOR_TIMEOUT_MS and does not ask it again', async () => {
    const hung = await stub(() => 'hang');
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(hung.port) });
    const { error, ms } = await failure(client.predict('x', context()));
    expect(PredictorTimeoutError.is(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(600);
    expect(hung.received).toHaveLength(1);
  });

  it('moves on from a hung endpoint to another one within the deadline', async () => {
    const hung = await stub(() => 'hang');
    const healthy = await stub();
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(hung.port, healthy.port) });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => client.predict('x', context())),
    );
    expect(results).toHaveLength(6);
  });

  it('never waits past the request deadline, even with a longer attempt timeout', async () => {
    const slow = await stub((m) => ({ reply: stubPrediction(m.pattern), delayMs: 1_000 }));
    const client = await clientFor({
      PREDICTOR_ENDPOINTS: endpoints(slow.port),
      PREDICTOR_TIMEOUT_MS: '5000',
    });
    const { error, ms } = await failure(client.predict('x', context(200)));
    expect(PredictorTimeoutError.is(error)).toBe(true);
    expect(ms).toBeLessThan(350);
  });

  it('opens the breaker, fails fast, lets one probe through after BREAKER_OPEN_MS, and closes on its success', async () => {
    const port = await freePort();
    const client = await clientFor({
      PREDICTOR_ENDPOINTS: endpoints(port),
      BREAKER_FAILURES: '3',
      BREAKER_OPEN_MS: '600',
      PREDICTOR_RETRIES: '0',
    });
    for (let i = 0; i < 3; i += 1) await failure(client.predict('x', context()));
    expect(client.snapshot().endpoints[0]).toMatchObject({
      breaker: 'open',
      consecutiveFailures: 3,
    });

    const open = await failsWithoutWaiting(client.predict('x', context()));
    expect(CircuitOpenError.is(open)).toBe(true);
    expect((open as CircuitOpenError).retryAfterSeconds).toBe(1);

    // The predictor comes back while the breaker is open: only the probe, after BREAKER_OPEN_MS, finds out.
    const predictor = await stub(answerAll, port);
    expect(CircuitOpenError.is((await failure(client.predict('x', context()))).error)).toBe(true);
    const result = await waitFor(
      'the probe to close the breaker',
      () => client.predict('x', context()).catch(() => undefined),
      { timeoutMs: 2_000 },
    );
    expect(result.prediction.class).toBe('cat');
    expect(client.snapshot().endpoints[0]).toMatchObject({
      breaker: 'closed',
      consecutiveFailures: 0,
    });
    expect(predictor.received.length).toBeGreaterThan(0);
  });

  it('half-open: exactly one probe waits on a hung endpoint, the others fail fast', async () => {
    const port = await freePort();
    const client = await clientFor({
      PREDICTOR_ENDPOINTS: endpoints(port),
      BREAKER_FAILURES: '1',
      BREAKER_OPEN_MS: '300',
      PREDICTOR_RETRIES: '0',
    });
    await failure(client.predict('x', context()));
    const hung = await stub(() => 'hang', port);
    await waitFor(
      'the breaker to allow a probe',
      () =>
        client.snapshot().endpoints[0]?.probeAt !== null &&
        Date.now() >= (client.snapshot().endpoints[0]?.probeAt ?? Infinity),
    );
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => failure(client.predict('x', context()))),
    );
    const probes = outcomes.filter((o) => PredictorTimeoutError.is(o.error));
    const fast = outcomes.filter((o) => CircuitOpenError.is(o.error));
    expect(probes).toHaveLength(1);
    expect(fast).toHaveLength(4);
    // Well under the 300 ms the probe waits, with room for a busy CI machine's pauses.
    expect(Math.max(...fast.map((o) => o.ms))).toBeLessThan(150);
    expect(hung.received).toHaveLength(1);
  });

  it('reconnects by itself when the predictor restarts on the same port', async () => {
    const port = await freePort();
    let predictor = await stub(answerAll, port);
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(port) });
    await client.predict('x', context());
    await predictor.close();
    stubs.splice(stubs.indexOf(predictor), 1);
    expect(
      PredictorUnavailableError.is((await failure(client.predict('x', context()))).error),
    ).toBe(true);

    predictor = await stub(answerAll, port);
    const started = Date.now();
    await expect(client.predict('x', context())).resolves.toMatchObject({
      prediction: { class: 'cat' },
    });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('answers OVERLOADED at once beyond MAX_IN_FLIGHT, never queueing', async () => {
    const hung = await stub(() => 'hang');
    const client = await clientFor({
      PREDICTOR_ENDPOINTS: endpoints(hung.port),
      MAX_IN_FLIGHT: '2',
    });
    const running = [1, 2].map(() => client.predict('x', context()).catch(() => undefined));
    await waitFor('both calls to reach the predictor', () => hung.received.length === 2);
    const error = await failsWithoutWaiting(client.predict('x', context()));
    expect(PredictorOverloadedError.is(error)).toBe(true);
    expect(client.snapshot()).toMatchObject({ inFlight: 2, maxInFlight: 2 });
    await Promise.all(running);
  });

  it('checks every endpoint past its breaker, reporting each one', async () => {
    const healthy = await stub();
    const deadPort = await freePort();
    const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(healthy.port, deadPort) });
    const checks = await client.checkEndpoints(300);
    expect(checks).toEqual([
      expect.objectContaining({
        reply: HEALTHY,
        endpoint: expect.objectContaining({ address: `127.0.0.1:${healthy.port}` }),
      }),
      expect.objectContaining({
        error: 'Predictor is unavailable: connection refused',
        endpoint: expect.objectContaining({ address: `127.0.0.1:${deadPort}`, breaker: 'closed' }),
      }),
    ]);
  });

  describe('through the fault proxy', () => {
    async function proxied(): Promise<{ proxy: FaultProxy; predictor: StubPredictor }> {
      const predictor = await stub();
      const proxy = await FaultProxy.start({ listenPort: 0, targetPort: predictor.port });
      proxies.push(proxy);
      return { proxy, predictor };
    }

    it('answers through latency below the attempt timeout, and times out above it', async () => {
      const { proxy } = await proxied();
      const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(proxy.port) });
      await proxy.latency(50);
      await expect(client.predict('x', context())).resolves.toBeDefined();
      await proxy.latency(400);
      expect(PredictorTimeoutError.is((await failure(client.predict('x', context()))).error)).toBe(
        true,
      );
    });

    it('sees a blackhole as a timeout and serves from the other endpoint', async () => {
      const { proxy } = await proxied();
      const other = await stub();
      const client = await clientFor({ PREDICTOR_ENDPOINTS: endpoints(proxy.port, other.port) });
      await proxy.blackhole();
      const results = await Promise.all(
        Array.from({ length: 6 }, () => client.predict('x', context())),
      );
      expect(results).toHaveLength(6);
    });

    it('sees reset and refuse as unavailable, then recovers when the proxy passes again', async () => {
      const { proxy } = await proxied();
      // A breaker that stays closed: this is about the connection, not the breaker.
      const client = await clientFor({
        PREDICTOR_ENDPOINTS: endpoints(proxy.port),
        BREAKER_FAILURES: '50',
      });
      await client.predict('x', context());
      await proxy.reset();
      expect(
        PredictorUnavailableError.is((await failure(client.predict('x', context()))).error),
      ).toBe(true);
      await proxy.refuse();
      expect((await failure(client.predict('x', context()))).error).toMatchObject({
        message: 'Predictor is unavailable: connection refused',
      });
      await proxy.pass();
      await expect(client.predict('x', context())).resolves.toBeDefined();
    });
  });

  describe('name resolution', () => {
    it('balances over every address of a name and follows it as addresses come and go', async () => {
      const a = await stub(answerAll, 0, '127.0.0.1');
      const b = await stub(answerAll, a.port, '127.0.0.2');
      let answer = ['127.0.0.1', '127.0.0.2'];
      const resolve = jest.fn<Promise<string[]>, [string]>(async () => answer);
      const client = await clientFor(
        { PREDICTOR_ENDPOINTS: `predictor.test:${a.port}`, PREDICTOR_RESOLVE_INTERVAL_MS: '200' },
        resolve,
      );
      expect(resolve).toHaveBeenCalledWith('predictor.test');
      await Promise.all(Array.from({ length: 40 }, () => client.predict('x', context())));
      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      expect(client.snapshot().endpoints.map((e) => [e.address, e.target])).toEqual([
        [`127.0.0.1:${a.port}`, `predictor.test:${a.port}`],
        [`127.0.0.2:${a.port}`, `predictor.test:${a.port}`],
      ]);

      answer = ['127.0.0.2'];
      await waitFor('the next resolution round', () => client.snapshot().endpoints.length === 1, {
        timeoutMs: 3_000,
      });
      const before = a.received.length;
      await Promise.all(Array.from({ length: 20 }, () => client.predict('x', context())));
      expect(a.received.length).toBe(before);
    });
  });
});
