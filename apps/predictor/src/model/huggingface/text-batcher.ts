import { RowBatcher } from '../batching/row-batcher';
import type { BatchSettings } from '../batching/row-batcher';

export type { BatchSettings } from '../batching/row-batcher';

/**
 * Dynamic batching of texts for one text classifier version: the texts of
 * concurrent requests run as one session run (padded to the longest, with
 * the attention mask), up to `maxBatchSize` texts; RowBatcher forms the
 * batches, drops what is past its deadline, and bounds the queue.
 */
export class TextBatcher {
  private readonly batcher: RowBatcher<readonly string[], number[][]>;

  constructor(settings: BatchSettings, run: (texts: readonly string[]) => Promise<number[][]>) {
    this.batcher = new RowBatcher(settings, async (requests) => {
      const rows = await run(requests.flat());
      let offset = 0;
      return requests.map((texts) => rows.slice(offset, (offset += texts.length)));
    });
  }

  /** The rows of `texts`, in order, from whichever batch they join. */
  submit(texts: readonly string[], deadline = Infinity): Promise<number[][]> {
    // Every text batches with every other: one key for all.
    return this.batcher.submit(texts, texts.length, { deadline, key: '' });
  }

  /** Resolves once every request accepted so far has been answered (the model is unloading). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
