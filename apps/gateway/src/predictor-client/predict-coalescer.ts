import { Logger } from '@nestjs/common';
import { MAX_RPC_FRAME_CHARS, PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type {
  PredictManyItemDto,
  PredictManyOutcome,
  PredictManyReply,
  PredictRequestDto,
  RpcEnvelope,
} from '@ml-system/contracts';
import type { PendingCall, RpcTransport, Settled } from './json-rpc-connection';

/**
 * Input characters in one frame. JSON escaping can grow a text up to six
 * times (`\u0001`), and each item brings its meta: an eighth of the
 * predictor's frame limit keeps every frame under it.
 */
export const MAX_FRAME_INPUT_CHARS = Math.floor(MAX_RPC_FRAME_CHARS / 8);

/** Nest's answer to a pattern the peer does not serve (a predictor older than predict-many). */
const UNKNOWN_PATTERN = /no matching message handler/i;

interface Queued {
  message: RpcEnvelope<PredictRequestDto>;
  resolve: (settled: Settled<unknown>) => void;
  cancelled: boolean;
  /** The frame it left in, once flushed. */
  frame?: Frame;
}

interface Frame {
  call: PendingCall<unknown>;
  /** Items still waiting for this frame's answer. */
  live: number;
}

/**
 * Dynamic batching on the hop, per endpoint: the `predict` calls made while
 * the event loop handles one round of I/O leave together as one
 * `predictor.predict-many.v1` frame (up to `maxItems`), so the predictor runs
 * its message pipeline and the model once per frame instead of once per call.
 * A lone call still goes out as a plain `predict`: nothing waits for company,
 * and the single-connection latency is unchanged. Only calls for the default
 * model are coalesced: one that names a model goes out alone, as it came.
 *
 * Each call keeps its own meta (id, deadline, trace), its own outcome and its
 * own timeout above this layer: the breaker and the retries see individual
 * calls exactly as before. A predictor that does not serve predict-many (an
 * older release, mid rolling deploy) is detected by its answer; the frame's
 * calls are re-sent one by one and batching stays off for that connection.
 */
export class PredictCoalescer implements RpcTransport {
  private readonly logger = new Logger(PredictCoalescer.name);
  private queue: Queued[] = [];
  private queuedChars = 0;
  private flushScheduled = false;
  private frames = 0;
  private manyUnsupported = false;

  constructor(
    private readonly inner: RpcTransport,
    /** PREDICTOR_COALESCE_MAX, as the endpoint got it; 1 sends every call alone. */
    private readonly maxItems: number,
  ) {}

  get connected(): boolean {
    return this.inner.connected;
  }

  close(): void {
    this.inner.close();
  }

  request<T>(pattern: string, data: unknown): PendingCall<T> {
    if (pattern !== PREDICTOR_PATTERNS.predict || this.maxItems <= 1 || this.manyUnsupported) {
      return this.inner.request<T>(pattern, data);
    }
    const message = data as RpcEnvelope<PredictRequestDto>;
    // A predict-many item has no model of its own: the frame is the default model's. A call
    // that names a model (or a version) goes alone, never merged with another model's calls.
    if (message.payload.model !== undefined || message.payload.version !== undefined) {
      return this.inner.request<T>(pattern, data);
    }
    let queued!: Queued;
    const settled = new Promise<Settled<T>>((resolve) => {
      queued = { message, resolve: resolve as Queued['resolve'], cancelled: false };
    });
    this.queue.push(queued);
    this.queuedChars += message.payload.input.length;
    if (this.queue.length >= this.maxItems || this.queuedChars >= MAX_FRAME_INPUT_CHARS) {
      this.send();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.send());
    }
    return { settled, cancel: () => this.cancel(queued) };
  }

  private cancel(item: Queued): void {
    if (item.cancelled) return;
    item.cancelled = true;
    const frame = item.frame;
    if (frame && --frame.live === 0) frame.call.cancel();
  }

  private send(): void {
    this.flushScheduled = false;
    const items = this.queue.filter((item) => !item.cancelled);
    this.queue = [];
    this.queuedChars = 0;
    if (items.length === 0) return;
    // The turn is over already: the connection need not wait for the next one.
    this.sendFrame(items);
    this.inner.flush?.();
  }

  private sendFrame(items: Queued[]): void {
    if (items.length === 1 || this.manyUnsupported) {
      for (const item of items) this.sendAlone(item);
      return;
    }
    let deadline = 0;
    const wireItems: PredictManyItemDto[] = [];
    for (const { message } of items) {
      if (message.meta.deadline > deadline) deadline = message.meta.deadline;
      wireItems.push({ input: message.payload.input, meta: message.meta });
    }
    this.frames++;
    const call = this.inner.request<PredictManyReply>(PREDICTOR_PATTERNS.predictMany, {
      payload: { items: wireItems },
      meta: { request_id: `frame-${this.frames}`, deadline },
    });
    const frame: Frame = { call, live: items.length };
    for (const item of items) item.frame = frame;
    void call.settled.then((settled) => this.distribute(items, settled));
  }

  private sendAlone(item: Queued): void {
    const call = this.inner.request<unknown>(PREDICTOR_PATTERNS.predict, item.message);
    item.frame = { call, live: 1 };
    void call.settled.then(item.resolve);
  }

  private distribute(items: Queued[], settled: Settled<PredictManyReply>): void {
    if ('failure' in settled) {
      if (
        !this.manyUnsupported &&
        typeof settled.failure === 'string' &&
        UNKNOWN_PATTERN.test(settled.failure)
      ) {
        this.manyUnsupported = true;
        this.logger.warn('the predictor does not serve predict-many: sending each call alone');
        for (const item of items) if (!item.cancelled) this.sendAlone(item);
        return;
      }
      for (const item of items) item.resolve(settled);
      return;
    }
    const results = (settled.reply as Partial<PredictManyReply> | null)?.results;
    if (!Array.isArray(results) || results.length !== items.length) {
      const failure = new Error('Malformed predict-many reply from the predictor');
      for (const item of items) item.resolve({ failure });
      return;
    }
    items.forEach((item, i) => item.resolve(outcomeOf(results[i])));
  }
}

function outcomeOf(outcome: PredictManyOutcome | undefined): Settled<unknown> {
  if (outcome && typeof outcome === 'object') {
    if ('result' in outcome) return { reply: outcome.result };
    if ('error' in outcome) return { failure: outcome.error };
  }
  return { failure: new Error('Malformed predict-many reply from the predictor') };
}
