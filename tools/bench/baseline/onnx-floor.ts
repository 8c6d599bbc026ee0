import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceSession, Tensor } from 'onnxruntime-node';

/**
 * The ONNX text-model floor: one process, node:http in front, the model's
 * tokenizer.json through @huggingface/tokenizers and its model.onnx through
 * onnxruntime-node's InferenceSession, called directly on the event loop.
 * Concurrent requests (those read in one turn of the event loop, and those
 * that arrive while a run computes) run as one session run of at most
 * MAX_BATCH texts, padded to the longest, as the predictor batches them. It
 * takes and answers the Open Inference Protocol body the predictor does, and
 * nothing else: no validation beyond a shape check, no log, no metrics.
 */
const port = Number(process.env['PORT']);
const folder = process.env['MODEL_FOLDER'] ?? '';
const MAX_BATCH = 32;

/** The part of the library's Tokenizer used here (its typings use extension-less ESM imports). */
interface TokenizerApi {
  encode(text: string, options: { return_token_type_ids: true }): { ids: number[] };
}

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, unknown>;
const config = readJson('config.json');
const tokenizerConfig = readJson('tokenizer_config.json');
const tokenizer = new (Tokenizer as unknown as new (json: object, config: object) => TokenizerApi)(
  readJson('tokenizer.json'),
  tokenizerConfig,
);
const maxLength = Number(tokenizerConfig['model_max_length'] ?? config['max_position_embeddings']);
const padId = Number(config['pad_token_id'] ?? 0);
const labels = Object.entries(config['id2label'] as Record<string, string>)
  .sort(([a], [b]) => Number(a) - Number(b))
  .map(([, label]) => label);

interface Waiting {
  texts: string[];
  response: ServerResponse;
}

let session: InferenceSession;
let takesTokenTypes = false;
const queue: Waiting[] = [];
let running = false;
let scheduled = false;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function schedule(): void {
  if (running || scheduled || queue.length === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    void flush();
  });
}

async function flush(): Promise<void> {
  const batch: Waiting[] = [];
  let count = 0;
  while (queue.length > 0) {
    const next = queue[0];
    if (batch.length > 0 && count + next.texts.length > MAX_BATCH) break;
    queue.shift();
    batch.push(next);
    count += next.texts.length;
  }
  running = true;
  try {
    const rows = await classify(batch.flatMap((item) => item.texts));
    let offset = 0;
    for (const item of batch) {
      const mine = rows.slice(offset, offset + item.texts.length);
      offset += item.texts.length;
      send(item.response, 200, {
        model_name: 'onnx-floor',
        // How many texts shared the session run (the protocol's free-form parameters).
        parameters: { batch_size: count },
        outputs: [
          {
            name: 'label',
            datatype: 'BYTES',
            shape: [mine.length],
            data: mine.map((row) => labels[row.indexOf(Math.max(...row))]),
          },
          {
            name: 'probabilities',
            datatype: 'FP32',
            shape: [mine.length, labels.length],
            data: mine.flat(),
          },
        ],
      });
    }
  } catch (error) {
    for (const item of batch) send(item.response, 500, { error: String(error) });
  } finally {
    running = false;
    schedule();
  }
}

async function classify(texts: readonly string[]): Promise<number[][]> {
  const encoded = texts.map((text) => {
    const { ids } = tokenizer.encode(text, { return_token_type_ids: true });
    // Too long: cut the text's tokens and keep the closing special token, as the
    // predictor does for a BERT-style template ([CLS] text [SEP]).
    return ids.length <= maxLength ? ids : [...ids.slice(0, maxLength - 1), ids.at(-1) as number];
  });
  const length = Math.max(...encoded.map((ids) => ids.length));
  const ids = new BigInt64Array(texts.length * length).fill(BigInt(padId));
  const mask = new BigInt64Array(texts.length * length);
  encoded.forEach((row, r) =>
    row.forEach((id, i) => {
      ids[r * length + i] = BigInt(id);
      mask[r * length + i] = 1n;
    }),
  );
  const dims = [texts.length, length];
  const feeds: Record<string, Tensor> = {
    input_ids: new Tensor('int64', ids, dims),
    attention_mask: new Tensor('int64', mask, dims),
  };
  if (takesTokenTypes)
    feeds['token_type_ids'] = new Tensor('int64', new BigInt64Array(texts.length * length), dims);
  const { logits } = await session.run(feeds, ['logits']);
  const values = logits?.data as Float32Array;
  const classes = labels.length;
  return texts.map((_, r) => {
    const row = values.subarray(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    const exps = Array.from(row, (x) => Math.exp(x - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  });
}

async function main(): Promise<void> {
  const graph = ['model.onnx', join('onnx', 'model.onnx')]
    .map((path) => join(folder, path))
    .find((path) => existsSync(path));
  if (!graph) throw new Error(`no model.onnx in ${folder}`);
  // The predictor's session settings: one intra-op thread, no spinning.
  session = await InferenceSession.create(graph, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  takesTokenTypes = session.inputNames.includes('token_type_ids');
  await classify(['warm up']);
  createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let texts: unknown;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          inputs?: Array<{ data?: unknown }>;
        };
        texts = body.inputs?.[0]?.data;
      } catch {
        texts = undefined;
      }
      if (
        !Array.isArray(texts) ||
        texts.length === 0 ||
        !texts.every((t) => typeof t === 'string')
      ) {
        send(response, 400, { error: 'inputs[0].data must hold texts' });
        return;
      }
      queue.push({ texts, response });
      schedule();
    });
  }).listen(port, '127.0.0.1', () => process.stdout.write(`onnx floor on ${port}\n`));
}

main().catch((error: unknown) => {
  process.stderr.write(`onnx floor failed: ${String(error)}\n`);
  process.exit(1);
});
