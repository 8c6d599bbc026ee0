import { Logger } from '@nestjs/common';
import { predictorError } from '@ml-system/contracts';
import { fakeTransports, socketError } from '../testing/fake-transport';
import type { FakeTransport, Scripted } from '../testing/fake-transport';
import { CallPolicy } from './call-policy';
import type { CallPolicyOptions } from './call-policy';
import { EndpointPool } from './endpoint-pool';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorRejectedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';
import { RetryBudget } from './retry-budget';

beforeAll(() => {
  Logger.overrideLogger(false);
});

const REFUSED: Scripted = { fail: socketError('ECONNREFUSED') };
const CLOSED: Scripted = { fail: new Error('Connection closed') };

interface Harness {
  policy: CallPolicy;
  pool: EndpointPool;
  budget: RetryBudget;
  /** The transport of `10.0.0.<n>:1`. */
  peer: (n: number) => FakeTransport;
}

function harness(
  endpoints: number,
  options: Partial<CallPolicyOptions> = {},
  breakerFailures = 5,
): Harness {
  const transports = fakeTransports();
  const pool = new EndpointPool({
    targets: Array.from({ length: endpoints }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 1 })),
    resolveIntervalMs: 0,
    breakerFailures,
    breakerOpenMs: 2_000,
    transportFor: () => transports.factory,
  });
  const budget = options.budget ?? new RetryBudget({ ratio: 0.2, minPerSecond: 10 });
  const policy = new CallPolicy({
    pool,
    budget,
    attemptTimeoutMs: 100,
    retries: 2,
    maxInFlight: 100,
    backoffMs: 1,
    backoffMaxMs: 5,
    ...options,
  });
  return { policy, pool, budget, peer: (n) => transports.of(`10.0.0.${n}:1`) };
}

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );

describe(CallPolicy.name, () => {
  let h: Harness;

  afterEach(() => {
    h.pool.close();
  });

  it('answers from an endpoint with the reply', async () => {
    h = harness(1);
    h.peer(1).script = () => ({ reply: { prediction: 'cat' } });
    await expect(h.policy.execute('p', { payload: 1 }, Date.now() + 1000)).resolves.toEqual({
      prediction: 'cat',
    });
    expect(h.peer(1).sent).toEqual([{ pattern: 'p', data: { payload: 1 } }]);
  });

  it.each([
    ['refused', REFUSED],
    ['closed before the reply', CLOSED],
    ['SHUTTING_DOWN', { fail: predictorError('SHUTTING_DOWN', 'draining') }],
  ])('retries a call that got no answer (%s) on another endpoint', async (_what, outcome) => {
    h = harness(2);
    // Whichever endpoint is picked first fails; the other answers.
    let calls = 0;
    const script = (): Scripted => (++calls === 1 ? outcome : { reply: 'ok' });
    h.peer(1).script = script;
    h.peer(2).script = script;
    await expect(h.policy.execute('p', {}, Date.now() + 1000)).resolves.toBe('ok');
    // One attempt on each endpoint: the retry went to the one not yet tried.
    expect([h.peer(1).sent.length, h.peer(2).sent.length]).toEqual([1, 1]);
  });

  it('retries PREDICTOR_RETRIES times on a lone endpoint that refuses, then gives up as unavailable', async () => {
    h = harness(1);
    h.peer(1).script = () => REFUSED;
    const started = Date.now();
    const error = await failure(h.policy.execute('p', {}, Date.now() + 1000));
    expect(PredictorUnavailableError.is(error)).toBe(true);
    expect((error as Error).message).toBe('Predictor is unavailable: connection refused');
    expect(h.peer(1).sent).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('recovers on a retry when a lone endpoint comes back (a restart blip)', async () => {
    h = harness(1);
    let calls = 0;
    h.peer(1).script = () => (++calls < 3 ? REFUSED : { reply: 'back' });
    await expect(h.policy.execute('p', {}, Date.now() + 1000)).resolves.toBe('back');
  });

  it('never retries an answer: the predictor refused the input', async () => {
    h = harness(2);
    h.peer(1).script = () => ({ fail: predictorError('INVALID_INPUT', 'bad') });
    h.peer(2).script = () => ({ fail: predictorError('INVALID_INPUT', 'bad') });
    const error = await failure(h.policy.execute('p', {}, Date.now() + 1000));
    expect(PredictorRejectedError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(h.peer(1).sent.length + h.peer(2).sent.length).toBe(1);
  });

  it('does not ask a hung endpoint twice: a lone one times out once, with a 504-kind error', async () => {
    h = harness(1);
    h.peer(1).script = () => 'hang';
    const started = Date.now();
    const error = await failure(h.policy.execute('p', {}, Date.now() + 1000));
    expect(PredictorTimeoutError.is(error)).toBe(true);
    expect(h.peer(1).sent).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('retries a timeout on another endpoint when the deadline allows', async () => {
    h = harness(2);
    let calls = 0;
    const script = (): Scripted => (++calls === 1 ? 'hang' : { reply: 'ok' });
    h.peer(1).script = script;
    h.peer(2).script = script;
    await expect(h.policy.execute('p', {}, Date.now() + 1000)).resolves.toBe('ok');
    expect([h.peer(1).sent.length, h.peer(2).sent.length]).toEqual([1, 1]);
  });

  it('never waits past the deadline, whatever the attempt timeout', async () => {
    h = harness(2, { attemptTimeoutMs: 5_000 });
    h.peer(1).script = () => 'hang';
    h.peer(2).script = () => 'hang';
    const started = Date.now();
    const error = await failure(h.policy.execute('p', {}, started + 150));
    expect(PredictorTimeoutError.is(error)).toBe(true);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(145);
    expect(waited).toBeLessThan(250);
  });

  it('fails at once when the deadline has already passed', async () => {
    h = harness(1);
    const error = await failure(h.policy.execute('p', {}, Date.now() - 1));
    expect(PredictorTimeoutError.is(error)).toBe(true);
    expect(h.peer(1).sent).toHaveLength(0);
  });

  it('stops retrying when the retry budget is spent', async () => {
    h = harness(1, { budget: new RetryBudget({ ratio: 0, minPerSecond: 0 }) });
    h.peer(1).script = () => REFUSED;
    expect(
      PredictorUnavailableError.is(await failure(h.policy.execute('p', {}, Date.now() + 1000))),
    ).toBe(true);
    expect(h.peer(1).sent).toHaveLength(1);
  });

  it('refuses the call beyond MAX_IN_FLIGHT at once, without queueing it', async () => {
    h = harness(1, { maxInFlight: 2, attemptTimeoutMs: 200 });
    h.peer(1).script = () => 'hang';
    const running = [1, 2].map(() =>
      h.policy.execute('p', {}, Date.now() + 1000).catch(() => undefined),
    );
    expect(h.policy.inFlight).toBe(2);
    const started = Date.now();
    const error = await failure(h.policy.execute('p', {}, Date.now() + 1000));
    expect(PredictorOverloadedError.is(error)).toBe(true);
    expect(error).toMatchObject({ limit: 2, retryAfterSeconds: 1 });
    expect(Date.now() - started).toBeLessThan(50);
    await Promise.all(running);
    expect(h.policy.inFlight).toBe(0);
  });

  it('answers CIRCUIT_OPEN at once when every breaker is open, with the seconds until a probe', async () => {
    h = harness(2, {}, 1);
    h.peer(1).script = () => REFUSED;
    h.peer(2).script = () => REFUSED;
    await failure(h.policy.execute('p', {}, Date.now() + 1000));
    expect(h.pool.hasAvailable()).toBe(false);
    const sent = h.peer(1).sent.length + h.peer(2).sent.length;
    const started = Date.now();
    const error = await failure(h.policy.execute('p', {}, Date.now() + 1000));
    expect(CircuitOpenError.is(error)).toBe(true);
    expect(error).toMatchObject({ endpoints: 2, retryAfterSeconds: 2 });
    expect((error as Error).message).toMatch(
      /^Predictor is unavailable: the circuit is open for all 2 endpoints$/,
    );
    expect(Date.now() - started).toBeLessThan(20);
    expect(h.peer(1).sent.length + h.peer(2).sent.length).toBe(sent);
  });

  it('answers unavailable when no endpoint is known at all', async () => {
    const pool = new EndpointPool({
      targets: [{ host: 'unresolved', port: 1 }],
      resolveIntervalMs: 0,
      breakerFailures: 1,
      breakerOpenMs: 1000,
      transportFor: () => fakeTransports().factory,
    });
    const policy = new CallPolicy({
      pool,
      budget: new RetryBudget({ ratio: 0.2, minPerSecond: 10 }),
      attemptTimeoutMs: 100,
      retries: 2,
      maxInFlight: 10,
      backoffMs: 1,
      backoffMaxMs: 5,
    });
    h = {
      policy,
      pool,
      budget: new RetryBudget({ ratio: 0, minPerSecond: 0 }),
      peer: () => {
        throw new Error('none');
      },
    };
    const error = await failure(policy.execute('p', {}, Date.now() + 1000));
    expect(error).toMatchObject({
      message: 'Predictor is unavailable: no predictor address is known',
    });
  });
});
