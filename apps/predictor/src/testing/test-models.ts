import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { HfTokenizerClass } from '../model/huggingface/hf-tokenizer';

/** The models tools/models/make_test_models.py writes, in Triton's layout. */
export const TEST_REPOSITORY = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'tools',
  'models',
  'repository',
);

export const TINY_SENTIMENT_OPTIMUM = join(TEST_REPOSITORY, 'tiny-sentiment', '1');
export const TINY_SENTIMENT_TRANSFORMERS_JS = join(TEST_REPOSITORY, 'tiny-sentiment', '2');
export const TENSOR_DEMO = join(TEST_REPOSITORY, 'tensor-demo', '1', 'model.onnx');
export const BUSY = join(TEST_REPOSITORY, 'busy', '1', 'model.onnx');

function json(folder: string, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, unknown>;
}

/**
 * The reference pipeline for a Hugging Face folder, written apart from the
 * served one: the library's own `encode` (special tokens added by it, no
 * truncation: the texts given here are short), one session run per text on
 * this thread, softmax. What the served model must equal.
 */
export async function referenceProbabilities(
  folder: string,
  graph: string,
  texts: readonly string[],
): Promise<number[][]> {
  const tokenizer = new HfTokenizerClass(
    json(folder, 'tokenizer.json'),
    json(folder, 'tokenizer_config.json'),
  );
  const session = await InferenceSession.create(join(folder, graph));
  try {
    const rows: number[][] = [];
    for (const text of texts) {
      const encoded = tokenizer.encode(text, { return_token_type_ids: true });
      const dims = [1, encoded.ids.length];
      const int64 = (values: number[]) =>
        new OrtTensor(
          'int64',
          BigInt64Array.from(values, (v) => BigInt(v)),
          dims,
        );
      const feeds: Record<string, OrtTensor> = {
        input_ids: int64(encoded.ids),
        attention_mask: int64(encoded.attention_mask),
      };
      if (session.inputNames.includes('token_type_ids')) {
        feeds['token_type_ids'] = int64(encoded.token_type_ids);
      }
      const { logits } = await session.run(feeds);
      const values = Array.from(logits.data as Float32Array);
      const exps = values.map((v) => Math.exp(v - Math.max(...values)));
      const sum = exps.reduce((a, b) => a + b, 0);
      rows.push(exps.map((e) => e / sum));
    }
    return rows;
  } finally {
    await session.release();
  }
}

/** Runs `path` directly in this thread: onnxruntime's own outputs, to compare the served ones with. */
export async function directRun(
  path: string,
  feeds: Record<string, OrtTensor>,
): Promise<Record<string, OrtTensor>> {
  const session = await InferenceSession.create(path);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
