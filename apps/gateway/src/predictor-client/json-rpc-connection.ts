import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import { MAX_RPC_FRAME_CHARS } from '@ml-system/contracts';

/** How an RPC on the socket ended, without throwing the peer's plain-object errors around. */
export type Settled<T> = { reply: T } | { failure: unknown };

/** One request on the wire; `cancel` stops waiting (a late answer is then ignored). */
export interface PendingCall<T> {
  readonly settled: Promise<Settled<T>>;
  cancel(): void;
}

/** What an endpoint needs of its connection (a test brings a fake one). */
export interface RpcTransport {
  request<T>(pattern: string, data: unknown): PendingCall<T>;
  /** The socket is connected now (false while dialling or after a close). */
  readonly connected: boolean;
  /** Closes now; calls still waiting settle as "connection closed". */
  close(): void;
  /** Writes what is queued now instead of at the end of this event-loop turn. */
  flush?(): void;
}

export interface JsonRpcConnectionOptions {
  host: string;
  port: number;
  /** TLS of the hop; plaintext when undefined. */
  tls?: ConnectionOptions;
  /** Socket errors, for the endpoint's log (the failures themselves reach the calls). */
  onSocketError?: (error: unknown) => void;
  /** Largest reply frame accepted, in characters; beyond it the connection is dropped. */
  maxFrameChars?: number;
}

/** The hop's frame bound, both ways (a full predict-many reply is a few KB). */
const DEFAULT_MAX_FRAME_CHARS = MAX_RPC_FRAME_CHARS;

/** Nest's JSON socket framing: `<length in characters>#<JSON>`. */
const DELIMITER = '#';

/** A reply frame as Nest's TCP server writes it. */
interface ReplyPacket {
  id?: unknown;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

type Resolve = (settled: Settled<unknown>) => void;

/**
 * A client for Nest's TCP transport, speaking its wire format exactly
 * (`{pattern, data, id}` requests, `{id, response | err, isDisposed}` replies,
 * `length#json` frames), without `ClientTCP`'s per-call rxjs machinery.
 *
 * Why not `ClientTCP`: at tens of thousands of calls per second its
 * observables, subscriptions and one `socket.write` per call were a tenth of
 * the gateway's CPU. Here a call is one map entry and a string; the frames
 * queued while the event loop handles one batch of I/O leave in one write.
 *
 * One connection, dialled on the first call and again on the first call
 * after it closes. A close fails every call still waiting, with the socket
 * error that caused it when there was one (so "refused" stays "refused").
 */
export class JsonRpcConnection implements RpcTransport {
  private readonly options: JsonRpcConnectionOptions;
  private readonly maxFrameChars: number;
  private socket: Socket | undefined;
  private isConnected = false;
  private readonly pending = new Map<number, Resolve>();
  private nextId = 1;
  private outbox = '';
  /** The end-of-turn write, while one is pending. */
  private scheduledFlush: NodeJS.Immediate | undefined;
  private inbox = '';
  private decoder = new StringDecoder('utf8');
  private socketError: unknown;
  private closedForGood = false;

  constructor(options: JsonRpcConnectionOptions) {
    this.options = options;
    this.maxFrameChars = options.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Calls waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  request<T>(pattern: string, data: unknown): PendingCall<T> {
    if (this.closedForGood) {
      return settledCall({ failure: new Error('Connection closed before a reply') });
    }
    if (!this.socket) this.dial();
    const id = this.nextId++;
    const settled = new Promise<Settled<T>>((resolve) => {
      this.pending.set(id, resolve as Resolve);
    });
    const json = JSON.stringify({ pattern, data, id });
    this.outbox += `${json.length}${DELIMITER}${json}`;
    // After the poll phase: every call made while handling this round of I/O shares one write.
    this.scheduledFlush ??= setImmediate(() => this.flush());
    return {
      settled,
      cancel: () => {
        this.pending.delete(id);
      },
    };
  }

  close(): void {
    this.closedForGood = true;
    this.drop(this.socket, undefined);
  }

  /**
   * Writes what is queued to the current socket (a close empties the queue and
   * fails its calls). A caller that already waited for the end of the turn (the
   * coalescer) flushes at once rather than waiting for the next one.
   */
  flush(): void {
    if (this.scheduledFlush) clearImmediate(this.scheduledFlush);
    this.scheduledFlush = undefined;
    const data = this.outbox;
    this.outbox = '';
    if (data.length > 0 && this.socket) this.socket.write(data, 'utf8');
  }

  private dial(): Socket {
    const { host, port, tls } = this.options;
    const socket = tls ? tlsConnect({ ...tls, host, port }) : new Socket();
    this.socket = socket;
    this.isConnected = false;
    this.socketError = undefined;
    this.inbox = '';
    this.decoder = new StringDecoder('utf8');
    socket.setNoDelay(true);
    socket.on(tls ? 'secureConnect' : 'connect', () => {
      if (socket === this.socket) this.isConnected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.receive(socket, chunk);
    });
    socket.on('error', (error) => {
      if (socket !== this.socket) return;
      this.socketError = error;
      this.options.onSocketError?.(error);
    });
    socket.on('close', () => this.drop(socket, this.socketError));
    if (!tls) socket.connect(port, host);
    return socket;
  }

  /** Forgets `socket` (if still current) and fails every waiting call. */
  private drop(socket: Socket | undefined, cause: unknown): void {
    if (!socket || socket !== this.socket) return;
    this.socket = undefined;
    this.isConnected = false;
    this.outbox = '';
    socket.destroy();
    const failure = cause ?? new Error('Connection closed before a reply');
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve({ failure });
  }

  private receive(socket: Socket, chunk: Buffer): void {
    let buffer = this.inbox + this.decoder.write(chunk);
    let offset = 0;
    for (;;) {
      const hash = buffer.indexOf(DELIMITER, offset);
      if (hash === -1) break;
      const length = Number(buffer.slice(offset, hash));
      if (!Number.isInteger(length) || length < 0 || length > this.maxFrameChars) {
        this.drop(socket, new Error('Corrupted reply frame from the predictor'));
        return;
      }
      const end = hash + 1 + length;
      if (buffer.length < end) break;
      const frame = buffer.slice(hash + 1, end);
      offset = end;
      if (!this.deliver(frame)) {
        this.drop(socket, new Error('Unreadable reply from the predictor'));
        return;
      }
    }
    buffer = offset === 0 ? buffer : buffer.slice(offset);
    if (buffer.length > this.maxFrameChars + 32) {
      this.drop(socket, new Error('Reply frame from the predictor too large'));
      return;
    }
    this.inbox = buffer;
  }

  /** Settles the call a reply frame answers; false when the frame is not JSON. */
  private deliver(frame: string): boolean {
    let packet: ReplyPacket;
    try {
      packet = JSON.parse(frame) as ReplyPacket;
    } catch {
      return false;
    }
    if (typeof packet !== 'object' || packet === null || typeof packet.id !== 'number') return true;
    const resolve = this.pending.get(packet.id);
    // Unknown: an answer to a call that stopped waiting, or the "disposed" tail of one answered.
    if (!resolve) return true;
    this.pending.delete(packet.id);
    if (packet.err !== undefined && packet.err !== null) resolve({ failure: packet.err });
    else if ('response' in packet) resolve({ reply: packet.response });
    else resolve({ failure: new Error('Connection closed before a reply') });
    return true;
  }
}

function settledCall<T>(settled: Settled<T>): PendingCall<T> {
  return { settled: Promise.resolve(settled), cancel: () => undefined };
}
