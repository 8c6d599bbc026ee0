import { TextBatcher } from './text-batcher';

/** A run the spec finishes by hand: each text's row is its length. */
function manualRuns() {
  const runs: { texts: readonly string[]; finish(): void }[] = [];
  const run = (texts: readonly string[]) =>
    new Promise<number[][]>((resolve) =>
      runs.push({ texts, finish: () => resolve(texts.map((t) => [t.length])) }),
    );
  return { runs, run };
}

/** Two turns of the event loop: a finished run's callbacks, then the next batch's setImmediate. */
const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe(TextBatcher.name, () => {
  it('runs the texts submitted in one turn of the event loop as one batch, not one each', async () => {
    const { runs, run } = manualRuns();
    const batcher = new TextBatcher({ maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    const answers = [batcher.submit(['a']), batcher.submit(['bb', 'ccc'])];
    expect(runs).toHaveLength(0);
    await settle();
    expect(runs.map((r) => r.texts)).toEqual([['a', 'bb', 'ccc']]);
    runs[0].finish();
    await expect(Promise.all(answers)).resolves.toEqual([[[1]], [[2], [3]]]);
  });

  it('runs a full batch at once, without waiting for the end of the turn', () => {
    const { runs, run } = manualRuns();
    const batcher = new TextBatcher({ maxBatchSize: 2, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    void batcher.submit(['a', 'b']);
    expect(runs.map((r) => r.texts)).toEqual([['a', 'b']]);
    runs[0].finish();
  });

  it('batches what arrives while a run computes, up to the batch size, in order', async () => {
    const { runs, run } = manualRuns();
    const batcher = new TextBatcher({ maxBatchSize: 3, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    const first = batcher.submit(['a']);
    await settle();
    const rest = ['bb', 'ccc', 'dddd', 'eeeee'].map((t) => batcher.submit([t]));
    expect(runs.map((r) => r.texts)).toEqual([['a']]);
    runs[0].finish();
    await expect(first).resolves.toEqual([[1]]);
    await settle();
    expect(runs.map((r) => r.texts)).toEqual([['a'], ['bb', 'ccc', 'dddd']]);
    runs[1].finish();
    await settle();
    runs[2].finish();
    await expect(Promise.all(rest)).resolves.toEqual([[[2]], [[3]], [[4]], [[5]]]);
  });

  it('drops a request past its deadline before the run', async () => {
    const { runs, run } = manualRuns();
    const batcher = new TextBatcher({ maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    const busy = batcher.submit(['a']);
    await settle();
    const late = batcher.submit(['late'], Date.now() - 1);
    const onTime = batcher.submit(['ok'], Date.now() + 60_000);
    runs[0].finish();
    await busy;
    await expect(late).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await settle();
    expect(runs[1].texts).toEqual(['ok']);
    runs[1].finish();
    await expect(onTime).resolves.toEqual([[2]]);
  });

  it('refuses at once with OVERLOADED when its queue is full', async () => {
    const { runs, run } = manualRuns();
    const batcher = new TextBatcher({ maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 2 }, run);
    const first = batcher.submit(['a']);
    await settle();
    const accepted = [first, batcher.submit(['b']), batcher.submit(['c'])];
    await expect(batcher.submit(['d'])).rejects.toMatchObject({ code: 'OVERLOADED' });
    runs[0].finish();
    await settle();
    runs[1].finish();
    await expect(Promise.all(accepted)).resolves.toHaveLength(3);
  });

  it('drains: answers every accepted request, queued ones too, before it resolves', async () => {
    const { runs, run } = manualRuns();
    const batcher = new TextBatcher({ maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 100 }, run);
    const answered: string[] = [];
    void batcher.submit(['a']).then(() => answered.push('a'));
    await settle();
    void batcher.submit(['b']).then(() => answered.push('b'));
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    runs[0].finish();
    await settle();
    expect(drained).toBe(false);
    runs[1].finish();
    await draining;
    expect(answered).toEqual(['a', 'b']);
  });
});
