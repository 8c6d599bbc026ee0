import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashTest } from './crash-test';
import { ENGINES, openEngine } from './engines';
import type { EngineName } from './engines';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-log-engine-spec-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const input = (id: string, received_at: string) => ({
  id,
  received_at,
  data: `text of ${id}`,
  forward_to_model: false,
});

/** Waits until the store has made the outcome durable (it is not awaited by design). */
async function outcomeOf(engine: Awaited<ReturnType<typeof openEngine>>, id: string) {
  for (;;) {
    const found = await engine.store.find(id);
    if (found?.outcome) return found.outcome;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.each(['lmdb', 'lmdb-overlap', 'sqlite'] as EngineName[])(
  'the %s adapter, behind the store interface',
  (name) => {
    it('finds inputs by id with their outcomes, pages newest first, and keeps them across a reopen', async () => {
      let engine = await openEngine(name, dir);
      await engine.store.appendInput(input('a', '2026-01-01T00:00:01.000Z'));
      await engine.store.appendInput(input('b', '2026-01-01T00:00:02.000Z'));
      await engine.store.appendInput(input('c', '2026-01-01T00:00:03.000Z'));
      engine.store.recordOutcome('b', { status: 'logged', latency_ms: 4 });
      expect(await outcomeOf(engine, 'b')).toMatchObject({ status: 'logged', latency_ms: 4 });
      await engine.close();

      engine = await openEngine(name, dir);
      try {
        expect(await engine.store.find('b')).toMatchObject({
          id: 'b',
          redaction: 'none',
          data: 'text of b',
          outcome: { status: 'logged' },
        });
        expect(await engine.store.find('a')).toMatchObject({ id: 'a', outcome: null });
        expect(await engine.store.find('nope')).toBeNull();
        const first = await engine.store.list({ limit: 2 });
        expect(first.items.map((item) => item.id)).toEqual(['c', 'b']);
        expect(first.next).not.toBeNull();
        const second = await engine.store.list({ limit: 2, before: first.next ?? '' });
        expect(second.items.map((item) => item.id)).toEqual(['a']);
        expect(second.next).toBeNull();
        await expect(engine.store.list({ limit: 2, before: 'not-a-cursor' })).rejects.toThrow(
          RangeError,
        );
      } finally {
        await engine.close();
      }
    });
  },
);

describe.each([...ENGINES])('the %s engine under SIGKILL', (name) => {
  it('loses no acknowledged input when killed mid-write', async () => {
    const rounds = await runCrashTest(name, dir, {
      rounds: 1,
      concurrency: 8,
      minDelayMs: 5,
      maxDelayMs: 150,
    });
    expect(rounds).toHaveLength(1);
    for (const round of rounds) {
      expect(round.acknowledged).toBeGreaterThan(0);
      expect(round).toMatchObject({ missing: 0, readable: true });
    }
  }, 60_000);
});
