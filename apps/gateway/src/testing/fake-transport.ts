import type { PendingCall, RpcTransport, Settled } from '../predictor-client/json-rpc-connection';

/** What the fake peer does with one message. */
export type Scripted = { reply: unknown } | { fail: unknown } | 'hang';

/** A socket error as Node reports it. */
export const socketError = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

/**
 * A stand-in for the endpoint's connection in unit specs: answers each
 * message as `script` says (at once, later through a promise, or never), and
 * records what was sent and what was given up on. The real socket is covered
 * by the integration specs against a TCP stub.
 */
export class FakeTransport implements RpcTransport {
  connected = true;
  readonly sent: Array<{ pattern: string; data: unknown }> = [];
  /** Calls whose caller stopped waiting (the attempt timed out). */
  abandoned = 0;
  closed = false;

  constructor(
    public script: (pattern: string, data: unknown) => Scripted | Promise<Scripted> = () => ({
      reply: 'ok',
    }),
  ) {}

  request<T>(pattern: string, data: unknown): PendingCall<T> {
    this.sent.push({ pattern, data });
    let done = false;
    let cancelled = false;
    const settled = new Promise<Settled<T>>((resolve) => {
      void Promise.resolve(this.script(pattern, data)).then((outcome) => {
        if (outcome === 'hang' || cancelled) return;
        done = true;
        resolve('reply' in outcome ? { reply: outcome.reply as T } : { failure: outcome.fail });
      });
    });
    return {
      settled,
      cancel: () => {
        if (!done && !cancelled) this.abandoned += 1;
        cancelled = true;
      },
    };
  }

  close(): void {
    this.closed = true;
  }
}

/** A factory for `EndpointOptions.transport` that hands out one FakeTransport per (re)dial, by address. */
export function fakeTransports(script?: (address: string) => FakeTransport['script']): {
  factory: (host: string, port: number) => FakeTransport;
  byAddress: Map<string, FakeTransport[]>;
  /** The latest transport dialled to `address`. */
  of: (address: string) => FakeTransport;
} {
  const byAddress = new Map<string, FakeTransport[]>();
  return {
    byAddress,
    factory: (host, port) => {
      const address = `${host}:${port}`;
      const transport = new FakeTransport(script?.(address));
      byAddress.set(address, [...(byAddress.get(address) ?? []), transport]);
      return transport;
    },
    of: (address) => {
      const list = byAddress.get(address);
      const last = list?.[list.length - 1];
      if (!last) throw new Error(`nothing dialled ${address}`);
      return last;
    },
  };
}
