// The thread one ONNX model version lives in. onnxruntime-node creates and
// runs sessions synchronously on the calling thread: here, that is not the
// event loop that answers health checks and TCP messages.
//
// Kept free of value imports from the app (only `import type`): under jest it
// runs as TypeScript through Node's own type stripping, in production as the
// webpack entry model.worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort, Transferable } from 'node:worker_threads';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Tensor } from '../tensors';
import type { RunRequest, WorkerOptions, WorkerReply, WorkerTensorInfo } from './worker-protocol';

function describe(metadata: readonly InferenceSession.ValueMetadata[]): WorkerTensorInfo[] {
  return metadata.map((value) =>
    value.isTensor
      ? { name: value.name, type: value.type, shape: value.shape.map((d) => d ?? null) }
      : { name: value.name, type: 'unsupported', shape: [] },
  );
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function serve(port: MessagePort, options: WorkerOptions): Promise<void> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(options.modelPath, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // A spinning thread burns a core waiting for work: on 2 shared cores, sleep instead.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (error) {
    port.postMessage({ kind: 'load-failed', reason: reasonOf(error) } satisfies WorkerReply);
    return;
  }
  port.on('message', (request: RunRequest) => {
    const feeds: Record<string, OrtTensor> = {};
    for (const input of request.inputs) {
      // Float16Array is newer than the binding's types; it takes one at run time.
      feeds[input.name] = new OrtTensor(input.type, input.data as Float32Array, input.dims);
    }
    const started = performance.now();
    session.run(feeds, request.outputs).then(
      (results) => {
        const outputs: Tensor[] = [];
        const transfer: Transferable[] = [];
        for (const name of request.outputs) {
          const value = results[name];
          // A copy: the tensor's buffer may belong to the native session.
          const raw = value.data;
          const data: Tensor['data'] = Array.isArray(raw)
            ? [...raw]
            : (raw as Float32Array).slice();
          if (!Array.isArray(data)) transfer.push(data.buffer as ArrayBuffer);
          outputs.push({ name, type: value.type as Tensor['type'], dims: [...value.dims], data });
        }
        port.postMessage(
          {
            kind: 'result',
            id: request.id,
            outputs,
            runMs: performance.now() - started,
          } satisfies WorkerReply,
          transfer,
        );
      },
      (error: unknown) =>
        port.postMessage({
          kind: 'failed',
          id: request.id,
          reason: reasonOf(error),
        } satisfies WorkerReply),
    );
  });
  port.postMessage({
    kind: 'loaded',
    inputs: describe(session.inputMetadata),
    outputs: describe(session.outputMetadata),
  } satisfies WorkerReply);
}

if (parentPort) void serve(parentPort, workerData as WorkerOptions);
