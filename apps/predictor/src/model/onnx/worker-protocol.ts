import type { Tensor } from '../tensors';

/** What a model's worker is started with (`workerData`). */
export interface WorkerOptions {
  modelPath: string;
  /** Threads of one session run: set deliberately, since workers share few cores. */
  intraOpThreads: number;
}

/** One input or output of the loaded graph, by ONNX Runtime's own names. */
export interface WorkerTensorInfo {
  name: string;
  type: string;
  /** Dynamic dimensions are named (strings) or absent (null). */
  shape: (number | string | null)[];
}

export type WorkerReply =
  | { kind: 'loaded'; inputs: WorkerTensorInfo[]; outputs: WorkerTensorInfo[] }
  | { kind: 'load-failed'; reason: string }
  | { kind: 'result'; id: number; outputs: Tensor[]; runMs: number }
  | { kind: 'failed'; id: number; reason: string };

export interface RunRequest {
  id: number;
  inputs: Tensor[];
  outputs: string[];
}
