import { BehaviorSubject, Observable } from 'rxjs';
import type { RpcTransport } from '../predictor-client/endpoint';

/** What the fake peer does with one message. */
export type Scripted = { reply: unknown } | { fail: unknown } | 'hang';

/** A socket error as Node reports it. */
export const socketError = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

/**
 * A stand-in for the endpoint's `ClientTCP` in unit specs: answers each
 * message as `script` says (at once, later through a promise, or never), and
 * records what was sent and what was given up on. The real socket is covered
 * by the integration specs against a TCP stub.
 */
export class FakeTransport implements RpcTransport {
  readonly status = new BehaviorSubject<string>('connected');
  readonly sent: Array<{ pattern: string; data: unknown }> = [];
  /** Calls whose caller stopped waiting (the attempt timed out). */
  abandoned = 0;
  closed = false;

  constructor(
    public script: (pattern: string, data: unknown) => Scripted | Promise<Scripted> = () => ({
      reply: 'ok',
    }),
  ) {}

  send<T>(pattern: string, data: unknown): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.sent.push({ pattern, data });
      let done = false;
      void Promise.resolve(this.script(pattern, data)).then((outcome) => {
        if (outcome === 'hang' || subscriber.closed) return;
        done = true;
        if ('reply' in outcome) {
          subscriber.next(outcome.reply as T);
          subscriber.complete();
        } else {
          subscriber.error(outcome.fail);
        }
      });
      return () => {
        if (!done) this.abandoned += 1;
      };
    });
  }

  close(): void {
    this.closed = true;
  }

  unwrap<T>(): T {
    throw new Error('not connected');
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
