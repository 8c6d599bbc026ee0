import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { MAX_LATENCY_MS, formatFaultMode, parseFaultMode } from './fault-mode';
import type { FaultMode } from './fault-mode';
import { assertLoopback } from './loopback';

export interface FaultProxyOptions {
  /** Port to listen on; 0 takes a free one (read it back from `port`). */
  listenPort: number;
  /** Port of the service behind the proxy. */
  targetPort: number;
  /** Loopback address to listen on; 127.0.0.1 unless given. */
  listenHost?: string;
  /** Loopback address of the service; 127.0.0.1 unless given. */
  targetHost?: string;
  /** Starting mode (a `FaultMode` or its text, e.g. `latency:200`); `pass` unless given. */
  mode?: FaultMode | string;
}

/**
 * One direction of one connection: chunks wait for their release time and
 * leave in the order they came, whatever the latency was when each arrived.
 * Backpressure is passed on: a full destination pauses the source.
 */
class Lane {
  private readonly queue: Array<{ at: number; chunk: Buffer }> = [];
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  private waitingForDrain = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
  ) {}

  push(chunk: Buffer, delayMs: number): void {
    const previous = this.queue.at(-1)?.at ?? 0;
    this.queue.push({ at: Math.max(Date.now() + delayMs, previous), chunk });
    this.pump();
  }

  /** The source finished: end the destination once what is queued has left. */
  end(): void {
    this.ending = true;
    this.pump();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && (this.queue[0]?.at ?? 0) <= now) {
      const { chunk } = this.queue.shift() as { chunk: Buffer };
      if (this.to.destroyed) continue;
      if (!this.to.write(chunk) && !this.waitingForDrain) {
        this.waitingForDrain = true;
        this.from.pause();
        this.to.once('drain', () => {
          this.waitingForDrain = false;
          this.from.resume();
        });
      }
    }
    const head = this.queue[0];
    if (head) {
      this.timer = setTimeout(() => this.pump(), head.at - now);
    } else if (this.ending && !this.to.destroyed) {
      this.to.end();
    }
  }
}

interface Connection {
  client: Socket;
  upstream: Socket;
  toTarget: Lane;
  toClient: Lane;
}

/**
 * A TCP proxy for fault injection in tests and by hand: sits between a client
 * and a service on this machine and, switched at run time, forwards, delays,
 * swallows, resets or refuses. Loopback only: it refuses to listen on, or
 * forward to, anything but 127.0.0.0/8 and ::1.
 *
 * ```ts
 * const proxy = await FaultProxy.start({ listenPort: 0, targetPort: predictorPort });
 * await proxy.setMode('latency:200');  // or proxy.latency(200)
 * await proxy.blackhole();
 * await proxy.close();
 * ```
 */
export class FaultProxy {
  private server: Server | undefined;
  private current: FaultMode;
  private listenPort: number;
  private readonly open = new Set<Connection>();
  private acceptedCount = 0;

  private constructor(
    private readonly listenHost: string,
    private readonly targetHost: string,
    private readonly targetPort: number,
    listenPort: number,
    mode: FaultMode,
  ) {
    this.listenPort = listenPort;
    this.current = mode;
  }

  /**
   * Validates the addresses, then listens (unless the mode is `refuse`).
   * @throws Error for a non-loopback address, a bad port or mode, or a port in use.
   */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const listenHost = options.listenHost ?? '127.0.0.1';
    const targetHost = options.targetHost ?? '127.0.0.1';
    assertLoopback('the listen address', listenHost);
    assertLoopback('the target address', targetHost);
    assertPort('listenPort', options.listenPort, 0);
    assertPort('targetPort', options.targetPort, 1);
    const mode = toMode(options.mode ?? { kind: 'pass' });
    const proxy = new FaultProxy(
      listenHost,
      targetHost,
      options.targetPort,
      options.listenPort,
      mode,
    );
    if (mode.kind !== 'refuse') await proxy.listen();
    return proxy;
  }

  /** The port it listens on (also while refusing: the one it will listen on again). */
  get port(): number {
    return this.listenPort;
  }

  get mode(): FaultMode {
    return this.current;
  }

  /** Connections open now. */
  get connections(): number {
    return this.open.size;
  }

  /** Connections accepted since start (reset ones included). */
  get accepted(): number {
    return this.acceptedCount;
  }

  /**
   * Switches the mode. Open connections follow at once: `reset` and `refuse`
   * reset them, `blackhole` stops forwarding on them, `pass`/`latency` apply to
   * the next chunk. Leaving `refuse` listens again on the same port.
   * @throws Error for an unknown mode, or when the port was taken meanwhile.
   */
  async setMode(mode: FaultMode | string): Promise<void> {
    const next = toMode(mode);
    this.current = next;
    if (next.kind === 'reset' || next.kind === 'refuse') {
      for (const connection of this.open) this.resetConnection(connection);
    }
    if (next.kind === 'refuse') await this.stopListening();
    else if (!this.server) await this.listen();
  }

  pass(): Promise<void> {
    return this.setMode({ kind: 'pass' });
  }

  /** @throws Error unless `ms` is an integer from 0 to MAX_LATENCY_MS. */
  latency(ms: number): Promise<void> {
    return this.setMode({ kind: 'latency', ms });
  }

  blackhole(): Promise<void> {
    return this.setMode({ kind: 'blackhole' });
  }

  reset(): Promise<void> {
    return this.setMode({ kind: 'reset' });
  }

  refuse(): Promise<void> {
    return this.setMode({ kind: 'refuse' });
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    for (const connection of this.open) {
      connection.toTarget.clear();
      connection.toClient.clear();
      connection.client.destroy();
      connection.upstream.destroy();
    }
    this.open.clear();
    await this.stopListening();
  }

  toString(): string {
    return `fault proxy ${this.listenHost}:${this.listenPort} → ${this.targetHost}:${this.targetPort} (${formatFaultMode(this.current)})`;
  }

  private listen(): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, this.listenHost, () => {
        server.off('error', reject);
        const address = server.address();
        if (typeof address === 'object' && address) this.listenPort = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.acceptedCount += 1;
    // Peers come and go abruptly here on purpose; their errors are expected.
    client.on('error', () => undefined);
    if (this.current.kind === 'reset' || this.current.kind === 'refuse') {
      resetSocket(client);
      return;
    }
    const upstream = connect({ host: this.targetHost, port: this.targetPort, allowHalfOpen: true });
    upstream.on('error', () => undefined);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const connection: Connection = {
      client,
      upstream,
      toTarget: new Lane(client, upstream),
      toClient: new Lane(upstream, client),
    };
    this.open.add(connection);
    client.on('data', (chunk: Buffer) => this.relay(chunk, connection.toTarget));
    upstream.on('data', (chunk: Buffer) => this.relay(chunk, connection.toClient));
    client.on('end', () => {
      if (this.current.kind !== 'blackhole') connection.toTarget.end();
    });
    upstream.on('end', () => {
      if (this.current.kind !== 'blackhole') connection.toClient.end();
    });
    const finish = (): void => {
      if (!this.open.delete(connection)) return;
      connection.toTarget.clear();
      connection.toClient.clear();
    };
    // The service went away (refused, reset): the client sees a reset too.
    upstream.on('close', (hadError) => {
      finish();
      if (hadError) resetSocket(client);
      else if (!client.writableEnded) client.end();
    });
    client.on('close', () => {
      finish();
      upstream.destroy();
    });
  }

  private resetConnection(connection: Connection): void {
    connection.toTarget.clear();
    connection.toClient.clear();
    resetSocket(connection.client);
    connection.upstream.destroy();
  }

  private relay(chunk: Buffer, lane: Lane): void {
    const mode = this.current;
    switch (mode.kind) {
      case 'pass':
        lane.push(chunk, 0);
        return;
      case 'latency':
        lane.push(chunk, mode.ms);
        return;
      case 'blackhole':
      case 'reset':
      case 'refuse':
        // Read and dropped: nothing reaches the other side.
        return;
    }
  }
}

function resetSocket(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

function toMode(mode: FaultMode | string): FaultMode {
  if (typeof mode === 'string') return parseFaultMode(mode);
  if (
    mode.kind === 'latency' &&
    !(Number.isInteger(mode.ms) && mode.ms >= 0 && mode.ms <= MAX_LATENCY_MS)
  ) {
    throw new Error(`latency must be an integer from 0 to ${MAX_LATENCY_MS} ms, not ${mode.ms}`);
  }
  return mode;
}

function assertPort(name: string, port: number, min: number): void {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new Error(`${name} must be an integer from ${min} to 65535, not ${port}`);
  }
}
