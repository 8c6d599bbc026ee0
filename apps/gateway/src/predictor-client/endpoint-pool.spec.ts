import { Logger } from '@nestjs/common';
import { fakeTransports, socketError } from '../testing/fake-transport';
import type { Scripted } from '../testing/fake-transport';
import type { PredictorEndpoint } from './endpoint';
import { EndpointPool } from './endpoint-pool';
import type { EndpointPoolOptions } from './endpoint-pool';

beforeAll(() => {
  Logger.overrideLogger(false);
});

const REFUSED: Scripted = { fail: socketError('ECONNREFUSED') };

function poolOf(options: Partial<EndpointPoolOptions> & Pick<EndpointPoolOptions, 'targets'>) {
  const transports = fakeTransports();
  const pool = new EndpointPool({
    resolveIntervalMs: 0,
    breakerFailures: 1,
    breakerOpenMs: 60_000,
    transportFor: () => transports.factory,
    ...options,
  });
  return { pool, transports };
}

const addresses = (pool: EndpointPool): string[] =>
  pool
    .list()
    .map((e) => e.address)
    .sort();

describe(`${EndpointPool.name} selection`, () => {
  const targets = [
    { host: '10.0.0.1', port: 1 },
    { host: '10.0.0.2', port: 1 },
    { host: '10.0.0.3', port: 1 },
  ];

  it('takes address targets as endpoints at once, without resolving', () => {
    const resolve = jest.fn();
    const { pool } = poolOf({ targets, resolve });
    expect(addresses(pool)).toEqual(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1']);
    expect(pool.hasNames).toBe(false);
    expect(resolve).not.toHaveBeenCalled();
    pool.close();
  });

  it('spreads idle traffic over every endpoint', () => {
    const { pool } = poolOf({ targets });
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) seen.add(pool.pick()?.address ?? 'none');
    expect([...seen].sort()).toEqual(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1']);
    pool.close();
  });

  it('of two random endpoints takes the one with fewer calls in flight, so a busy one is never chosen', async () => {
    const { pool, transports } = poolOf({ targets });
    transports.of('10.0.0.2:1').script = () => 'hang';
    const busy = pool.list().find((e) => e.address === '10.0.0.2:1');
    if (!busy) throw new Error('no such endpoint');
    const stuck = [busy.send('p', {}, 200), busy.send('p', {}, 200)].map((call) =>
      call.catch(() => undefined),
    );
    expect(busy.inFlight).toBe(2);
    for (let i = 0; i < 200; i += 1) expect(pool.pick()?.address).not.toBe('10.0.0.2:1');
    await Promise.all(stuck);
    pool.close();
  });

  it('pins the two choices with the injected random', () => {
    const picks = [0.0, 0.99];
    const { pool } = poolOf({ targets, random: () => picks.shift() ?? 0 });
    // First = index 0, second = index floor(0.99 * 2) = 1, bumped past the first to 2; both idle: the first wins.
    expect(pool.pick()?.address).toBe('10.0.0.1:1');
    pool.close();
  });

  it('skips endpoints whose breaker is open, and says when the earliest will take calls again', async () => {
    const { pool, transports } = poolOf({ targets: targets.slice(0, 2), breakerOpenMs: 3_500 });
    transports.of('10.0.0.1:1').script = () => REFUSED;
    const first = pool.list()[0];
    await first.send('p', {}, 1000).catch(() => undefined);
    expect(first.breakerState).toBe('open');
    for (let i = 0; i < 50; i += 1) expect(pool.pick()?.address).toBe('10.0.0.2:1');
    transports.of('10.0.0.2:1').script = () => REFUSED;
    await pool
      .list()[1]
      .send('p', {}, 1000)
      .catch(() => undefined);
    expect(pool.pick()).toBeUndefined();
    expect(pool.hasAvailable()).toBe(false);
    expect(pool.retryAfterSeconds()).toBe(4);
    pool.close();
  });

  it('prefers endpoints this request has not tried, and never one it excluded', () => {
    const { pool } = poolOf({ targets });
    const [a, b, c] = pool.list() as [PredictorEndpoint, PredictorEndpoint, PredictorEndpoint];
    for (let i = 0; i < 50; i += 1) {
      expect(pool.pick({ tried: new Set([a, b]) })).toBe(c);
      expect(pool.pick({ exclude: new Set([a, c]) })).toBe(b);
    }
    // All tried: any available one again (a refused endpoint may be back).
    expect(pool.pick({ tried: new Set([a, b, c]) })).toBeDefined();
    expect(pool.pick({ exclude: new Set([a, b, c]) })).toBeUndefined();
    pool.close();
  });
});

describe(`${EndpointPool.name} resolution`, () => {
  it('turns every address of a name into an endpoint, and follows the name as it changes', async () => {
    const answers: string[][] = [
      ['10.1.0.1', '10.1.0.2'],
      ['10.1.0.2', '10.1.0.3'],
    ];
    const resolve = jest.fn(async () => answers.shift() ?? []);
    const { pool, transports } = poolOf({
      targets: [{ host: 'predictor.ns.svc', port: 8877 }],
      resolve,
    });
    expect(pool.size).toBe(0);

    await pool.start();
    expect(resolve).toHaveBeenCalledWith('predictor.ns.svc');
    expect(addresses(pool)).toEqual(['10.1.0.1:8877', '10.1.0.2:8877']);
    expect(pool.list()[0]?.target).toBe('predictor.ns.svc:8877');

    await pool.refresh();
    expect(addresses(pool)).toEqual(['10.1.0.2:8877', '10.1.0.3:8877']);
    // The one that vanished takes no calls and its connection is closed (nothing was in flight).
    expect(transports.of('10.1.0.1:8877').closed).toBe(true);
    expect(transports.of('10.1.0.2:8877').closed).toBe(false);
    pool.close();
  });

  it('drains a vanished endpoint only once its calls in flight are done', async () => {
    const answers: string[][] = [['10.1.0.1'], ['10.1.0.2']];
    const { pool, transports } = poolOf({
      targets: [{ host: 'predictor', port: 1 }],
      resolve: async () => answers.shift() ?? [],
    });
    await pool.start();
    let release: (s: Scripted) => void = () => undefined;
    transports.of('10.1.0.1:1').script = () => new Promise<Scripted>((r) => (release = r));
    const leaving = pool.list()[0];
    const call = leaving.send('p', {}, 60_000);

    await pool.refresh();
    expect(addresses(pool)).toEqual(['10.1.0.2:1']);
    expect(pool.snapshot().map((s) => [s.address, s.draining])).toEqual([
      ['10.1.0.2:1', false],
      ['10.1.0.1:1', true],
    ]);
    expect(transports.of('10.1.0.1:1').closed).toBe(false);

    release({ reply: 'done' });
    await expect(call).resolves.toBe('done');
    expect(transports.of('10.1.0.1:1').closed).toBe(true);
    pool.close();
  });

  it('keeps the known addresses of a name when a lookup fails, or comes back empty', async () => {
    const answers: Array<string[] | Error> = [['10.1.0.1'], new Error('EAI_AGAIN'), []];
    const { pool } = poolOf({
      targets: [{ host: 'predictor', port: 1 }],
      resolve: async () => {
        const next = answers.shift() ?? [];
        if (next instanceof Error) throw next;
        return next;
      },
    });
    await pool.start();
    await pool.refresh();
    expect(addresses(pool)).toEqual(['10.1.0.1:1']);
    await pool.refresh();
    expect(addresses(pool)).toEqual(['10.1.0.1:1']);
    pool.close();
  });

  it('starts without the name when the first lookup fails, and picks it up later', async () => {
    const answers: Array<string[] | Error> = [new Error('ENOTFOUND'), ['10.1.0.9']];
    const { pool } = poolOf({
      targets: [
        { host: 'predictor', port: 1 },
        { host: '127.0.0.1', port: 2 },
      ],
      resolve: async () => {
        const next = answers.shift() ?? [];
        if (next instanceof Error) throw next;
        return next;
      },
    });
    await pool.start();
    expect(addresses(pool)).toEqual(['127.0.0.1:2']);
    await pool.refresh();
    expect(addresses(pool)).toEqual(['10.1.0.9:1', '127.0.0.1:2']);
    pool.close();
  });

  it('re-resolves every PREDICTOR_RESOLVE_INTERVAL_MS', async () => {
    jest.useFakeTimers();
    try {
      const resolve = jest.fn(async () => ['10.1.0.1']);
      const { pool } = poolOf({
        targets: [{ host: 'predictor', port: 1 }],
        resolve,
        resolveIntervalMs: 5_000,
      });
      await pool.start();
      expect(resolve).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(15_000);
      expect(resolve).toHaveBeenCalledTimes(4);
      pool.close();
      await jest.advanceTimersByTimeAsync(15_000);
      expect(resolve).toHaveBeenCalledTimes(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shares one lookup between concurrent refreshes', async () => {
    const resolve = jest.fn(async () => ['10.1.0.1']);
    const { pool } = poolOf({ targets: [{ host: 'predictor', port: 1 }], resolve });
    await Promise.all([pool.refresh(), pool.refresh(), pool.refresh()]);
    expect(resolve).toHaveBeenCalledTimes(1);
    pool.close();
  });
});
