import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Transferable } from 'node:worker_threads';
import { ModelServingError } from '../model-errors';
import type { TensorSpec } from '../model.port';
import { ORT_TO_OIP } from '../tensors';
import type { OrtType, Tensor } from '../tensors';
import type { RunRequest, WorkerReply, WorkerTensorInfo } from './worker-protocol';

/** Told of each run: its time in onnxruntime, its wait (to the worker and back), its rows. */
export type RunObserver = (runSeconds: number, queueSeconds: number, rows: number) => void;

export interface WorkerSessionOptions {
  observe?: RunObserver;
  /** Threads of one run. Default 1: workers × threads should fit the cores. */
  intraOpThreads?: number;
  /** Runs accepted but not finished; one more is refused at once with OVERLOADED. */
  maxQueue?: number;
}

export const DEFAULT_INTRA_OP_THREADS = 1;
export const DEFAULT_MAX_QUEUE = 256;

/**
 * The worker's script: the webpack entry beside main.js in a build, the
 * TypeScript source under jest and ts-node (Node strips its types).
 */
function workerScript(): { file: string; execArgv?: string[] } {
  const built = join(__dirname, 'model.worker.js');
  if (existsSync(built)) return { file: built };
  return {
    file: join(__dirname, 'model.worker.ts'),
    // Node runs the source as an ES module, and says so once per worker otherwise.
    execArgv: [...process.execArgv, '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
  };
}

function specOf(info: WorkerTensorInfo): TensorSpec {
  return {
    name: info.name,
    datatype: ORT_TO_OIP[info.type as OrtType] ?? info.type.toUpperCase(),
    shape: info.shape.map((d) => (typeof d === 'number' ? d : -1)),
  };
}

/** onnxruntime refused to run the tensors it was given (a shape the graph cannot take, ...). */
export class OnnxRunError extends Error {
  constructor(reason: string) {
    super(`the model could not run on these inputs: ${reason}`);
    this.name = 'OnnxRunError';
  }
}

interface Pending {
  resolve(outputs: Tensor[]): void;
  reject(error: Error): void;
  posted: number;
  rows: number;
}

/**
 * One ONNX Runtime session in a worker thread of its own: the event loop
 * only posts tensors and receives them. A worker per model version, ended on
 * unload, also bounds what a session leaks when it is released
 * (onnxruntime's Node binding, microsoft/onnxruntime#25325): the thread's
 * memory goes with it.
 */
export class WorkerSession {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;
  private drained: (() => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[],
    private readonly maxQueue: number,
    private readonly observe?: RunObserver,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error: unknown) =>
      this.fail(error instanceof Error ? error : new Error(String(error))),
    );
    worker.on('exit', () => this.fail(new Error('the model worker exited')));
  }

  /** @throws Error with onnxruntime's reason when the file is not a model it can load. */
  static open(modelPath: string, options: WorkerSessionOptions = {}): Promise<WorkerSession> {
    const script = workerScript();
    const worker = new Worker(script.file, {
      execArgv: script.execArgv,
      workerData: {
        modelPath,
        intraOpThreads: options.intraOpThreads ?? DEFAULT_INTRA_OP_THREADS,
      },
    });
    // A model worker never keeps the process alive by itself: the servers do, and shutdown
    // terminates the workers; one a caller forgot to close must not hang the exit.
    worker.unref();
    return new Promise((resolve, reject) => {
      const onError = (error: unknown): void => {
        void worker.terminate();
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      worker.once('error', onError);
      worker.once('message', (reply: WorkerReply) => {
        worker.off('error', onError);
        if (reply.kind === 'loaded') {
          resolve(
            new WorkerSession(
              worker,
              reply.inputs.map(specOf),
              reply.outputs.map(specOf),
              options.maxQueue ?? DEFAULT_MAX_QUEUE,
              options.observe,
            ),
          );
        } else {
          void worker.terminate();
          reject(new Error(reply.kind === 'load-failed' ? reply.reason : 'unexpected reply'));
        }
      });
    });
  }

  /** Runs already-checked tensors; rejects with OVERLOADED at once when the queue is full. */
  run(inputs: readonly Tensor[], outputs: readonly string[]): Promise<Tensor[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) {
      return Promise.reject(
        new ModelServingError('MODEL_NOT_READY', 'the model is being unloaded'),
      );
    }
    if (this.pending.size >= this.maxQueue) {
      return Promise.reject(
        new ModelServingError('OVERLOADED', `${this.pending.size} requests already queued`),
      );
    }
    const id = this.nextId++;
    const request: RunRequest = { id, inputs: [...inputs], outputs: [...outputs] };
    const transfer: Transferable[] = [];
    for (const input of inputs) {
      if (!Array.isArray(input.data)) transfer.push(input.data.buffer as ArrayBuffer);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject,
        posted: performance.now(),
        rows: inputs[0]?.dims[0] ?? 1,
      });
      this.worker.postMessage(request, transfer);
    });
  }

  /** Lets the accepted runs finish, then ends the worker. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.pending.size > 0 && !this.failure) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    if (reply.kind !== 'result' && reply.kind !== 'failed') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.kind === 'result') {
      const totalMs = performance.now() - pending.posted;
      this.observe?.(reply.runMs / 1000, (totalMs - reply.runMs) / 1000, pending.rows);
      pending.resolve(reply.outputs);
    } else pending.reject(new OnnxRunError(reply.reason));
    if (this.pending.size === 0) this.drained?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.drained?.();
  }
}
