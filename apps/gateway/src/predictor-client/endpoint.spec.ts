import { Logger } from '@nestjs/common';
import { isPredictorError, predictorError } from '@ml-system/contracts';
import { FakeTransport, fakeTransports, socketError } from '../testing/fake-transport';
import type { Scripted } from '../testing/fake-transport';
import { PredictorEndpoint } from './endpoint';
import {
  CircuitOpenError,
  PredictorRejectedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';

const REFUSED: Scripted = { fail: socketError('ECONNREFUSED') };
const OPEN_MS = 5_000;

/** A promise with its resolver outside: the reply of a probe, released by the test. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

// Breaker transitions log; each spec file has its own module registry, so this stays here.
beforeAll(() => {
  Logger.overrideLogger(false);
});

describe(PredictorEndpoint.name, () => {
  let transport: FakeTransport;
  let endpoint: PredictorEndpoint;
  let dials: number;

  beforeEach(() => {
    // Fake clock and timers (cockatiel reads Date.now too); promises still run.
    jest.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') });
    transport = new FakeTransport();
    dials = 0;
    endpoint = new PredictorEndpoint({
      host: '10.0.0.7',
      port: 8877,
      target: 'predictor:8877',
      breakerFailures: 3,
      breakerOpenMs: OPEN_MS,
      transport: () => {
        dials += 1;
        return transport;
      },
    });
  });

  afterEach(() => {
    endpoint.close();
    jest.useRealTimers();
  });

  const fail = (times: number): Promise<unknown[]> =>
    Promise.all(
      Array.from({ length: times }, () => endpoint.send('p', {}, 1000).catch((e: unknown) => e)),
    );

  it('answers through its transport, counting the call while it waits', async () => {
    const reply = deferred<Scripted>();
    transport.script = () => reply.promise;
    const call = endpoint.send<string>('predictor.predict.v1', { payload: 1 }, 1000);
    expect(endpoint.inFlight).toBe(1);
    reply.resolve({ reply: 'cat' });
    await expect(call).resolves.toBe('cat');
    expect(endpoint.inFlight).toBe(0);
    expect(transport.sent).toEqual([{ pattern: 'predictor.predict.v1', data: { payload: 1 } }]);
    expect(endpoint.snapshot()).toMatchObject({
      address: '10.0.0.7:8877',
      target: 'predictor:8877',
      breaker: 'closed',
    });
  });

  it('maps a refused connection to PredictorUnavailableError and records it', async () => {
    transport.script = () => REFUSED;
    const [error] = await fail(1);
    expect(PredictorUnavailableError.is(error)).toBe(true);
    expect(endpoint.snapshot()).toMatchObject({
      consecutiveFailures: 1,
      lastError: 'Predictor is unavailable: connection refused',
      lastErrorAt: Date.parse('2030-01-01T00:00:00Z'),
    });
  });

  it('opens after BREAKER_FAILURES failures in a row, then fails fast without touching the socket', async () => {
    transport.script = () => REFUSED;
    await fail(3);
    expect(endpoint.breakerState).toBe('open');
    expect(endpoint.available()).toBe(false);
    const sent = transport.sent.length;
    const error = await endpoint.send('p', {}, 1000).catch((e: unknown) => e);
    expect(CircuitOpenError.is(error)).toBe(true);
    expect((error as CircuitOpenError).retryAfterSeconds).toBe(5);
    expect(transport.sent).toHaveLength(sent);
    expect(endpoint.snapshot()).toMatchObject({ breaker: 'open', probeAt: Date.now() + OPEN_MS });
    expect(endpoint.nextAvailableAt()).toBe(Date.now() + OPEN_MS);
  });

  it('counts a deliberate error answer as a success: the endpoint works, the request does not', async () => {
    transport.script = () => REFUSED;
    await fail(2);
    transport.script = () => ({ fail: predictorError('INVALID_INPUT', 'input must be a string') });
    const error = await endpoint.send('p', {}, 1000).catch((e: unknown) => e);
    expect(PredictorRejectedError.is(error)).toBe(true);
    expect(isPredictorError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: 'input must be a string' });
    expect(endpoint.snapshot().consecutiveFailures).toBe(0);
    transport.script = () => REFUSED;
    await fail(2);
    expect(endpoint.breakerState).toBe('closed');
  });

  it.each(['SHUTTING_DOWN', 'MODEL_NOT_READY'] as const)(
    'counts %s as a failure of the endpoint',
    async (code) => {
      transport.script = () => ({ fail: predictorError(code, 'no') });
      const [error] = await fail(3);
      expect(error).toMatchObject({ code });
      expect(endpoint.breakerState).toBe('open');
      expect(endpoint.snapshot().lastError).toBe(`answered ${code}`);
    },
  );

  it('half-open lets exactly one probe through; its success closes the breaker', async () => {
    transport.script = () => REFUSED;
    await fail(3);
    jest.advanceTimersByTime(OPEN_MS - 1);
    expect(endpoint.available()).toBe(false);
    jest.advanceTimersByTime(1);
    expect(endpoint.available()).toBe(true);

    const reply = deferred<Scripted>();
    transport.script = () => reply.promise;
    const probe = endpoint.send<string>('p', {}, 1000);
    expect(endpoint.breakerState).toBe('half-open');
    expect(endpoint.available()).toBe(false);
    expect(endpoint.snapshot().probeAt).toBeNull();

    reply.resolve({ reply: 'ok' });
    await expect(probe).resolves.toBe('ok');
    expect(endpoint.breakerState).toBe('closed');
    expect(endpoint.available()).toBe(true);
  });

  it('a failed probe opens the breaker for another BREAKER_OPEN_MS', async () => {
    transport.script = () => REFUSED;
    await fail(3);
    jest.advanceTimersByTime(OPEN_MS);
    await fail(1);
    expect(endpoint.breakerState).toBe('open');
    expect(endpoint.nextAvailableAt()).toBe(Date.now() + OPEN_MS);
  });

  it('times an attempt out, counts it, and re-dials when the connection never came up', async () => {
    transport.script = () => 'hang';
    transport.connected = false;
    const call = endpoint.send('p', {}, 300).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(300);
    const error = await call;
    expect(PredictorTimeoutError.is(error)).toBe(true);
    expect((error as PredictorTimeoutError).waitedMs).toBe(300);
    expect(transport.abandoned).toBe(1);
    expect(transport.closed).toBe(true);
    expect(dials).toBe(2);
    expect(endpoint.inFlight).toBe(0);
  });

  it('keeps a live connection when an attempt times out (the peer is slow, not unreachable)', async () => {
    transport.script = () => 'hang';
    const call = endpoint.send('p', {}, 300).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(300);
    expect(PredictorTimeoutError.is(await call)).toBe(true);
    expect(dials).toBe(1);
  });

  it('pings past an open breaker without using up the probe', async () => {
    transport.script = () => REFUSED;
    await fail(3);
    transport.script = () => ({ reply: { status: 'up' } });
    await expect(endpoint.ping('h', {}, 100)).resolves.toEqual({ status: 'up' });
    expect(endpoint.breakerState).toBe('open');
  });

  it('drains: takes no new call and closes once the last one is answered', async () => {
    const reply = deferred<Scripted>();
    transport.script = () => reply.promise;
    const call = endpoint.send('p', {}, 1000);
    endpoint.drain();
    expect(endpoint.available()).toBe(false);
    expect(transport.closed).toBe(false);
    reply.resolve({ reply: 'late' });
    await expect(call).resolves.toBe('late');
    expect(transport.closed).toBe(true);
    expect(endpoint.snapshot().draining).toBe(true);
  });
});

describe('PredictorEndpoint transports', () => {
  it('dials per endpoint address', () => {
    const transports = fakeTransports();
    const endpoint = new PredictorEndpoint({
      host: '::1',
      port: 1,
      target: 'x',
      breakerFailures: 1,
      breakerOpenMs: 10,
      transport: transports.factory,
    });
    expect(endpoint.address).toBe('[::1]:1');
    expect(transports.of('::1:1')).toBeInstanceOf(FakeTransport);
    endpoint.close();
  });
});
