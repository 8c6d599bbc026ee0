import { RowBatcher } from './row-batcher';

/** Runs the spec finishes by hand: each payload's result is itself, upper-cased. */
function manualRuns() {
  const runs: { payloads: readonly string[]; finish(): void }[] = [];
  const run = (payloads: readonly string[]) =>
    new Promise<string[]>((resolve) =>
      runs.push({ payloads, finish: () => resolve(payloads.map((p) => p.toUpperCase())) }),
    );
  return { runs, run };
}

/** Two turns of the event loop: a finished run's callbacks, then the next batch's setImmediate. */
const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe(RowBatcher.name, () => {
  it('batches a request only with requests of its key; the others keep their place', async () => {
    const { runs, run } = manualRuns();
    const batcher = new RowBatcher({ maxBatchSize: 10, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    const busy = batcher.submit('busy', 1, { key: 'a' });
    await settle(); // 'busy' runs alone; the rest queue behind it
    const queued = [
      batcher.submit('a1', 1, { key: 'a' }),
      batcher.submit('b1', 1, { key: 'b' }),
      batcher.submit('a2', 2, { key: 'a' }),
      batcher.submit('alone', 1),
      batcher.submit('b2', 1, { key: 'b' }),
    ];
    runs[0].finish();
    await busy;
    await settle();
    runs[1].finish();
    await settle();
    runs[2].finish();
    await settle();
    runs[3].finish();
    await expect(Promise.all(queued)).resolves.toEqual(['A1', 'B1', 'A2', 'ALONE', 'B2']);
    expect(runs.map((r) => r.payloads)).toEqual([['busy'], ['a1', 'a2'], ['b1', 'b2'], ['alone']]);
  });

  it('fills a batch up to maxBatchSize rows, and runs a larger request alone', async () => {
    const { runs, run } = manualRuns();
    const batcher = new RowBatcher({ maxBatchSize: 4, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    const busy = batcher.submit('busy', 1, { key: 'k' });
    await settle(); // 'busy' runs alone; the rest queue behind it
    const all = [
      busy,
      batcher.submit('two', 2, { key: 'k' }),
      batcher.submit('also-two', 2, { key: 'k' }),
      batcher.submit('one', 1, { key: 'k' }),
      batcher.submit('six', 6, { key: 'k' }),
    ];
    for (let i = 0; i < 4; i++) {
      runs[i].finish();
      await settle();
    }
    await expect(Promise.all(all)).resolves.toHaveLength(5);
    expect(runs.map((r) => r.payloads)).toEqual([['busy'], ['two', 'also-two'], ['one'], ['six']]);
  });
});
