import type { ConnectionOptions } from 'node:tls';
import { JsonRpcConnection } from './json-rpc-connection';
import type { RpcTransport } from './json-rpc-connection';
import { PredictCoalescer } from './predict-coalescer';
import type { Endpoint } from './predictor-endpoints';
import { rpcTlsForTarget } from './rpc-tls';

/** Dials one predictor address; an endpoint calls it again to re-dial after its connection closed. */
export type TransportFactory = (
  host: string,
  port: number,
  onSocketError: (error: unknown) => void,
) => RpcTransport;

/** The dialler of each configured target (its TLS server name is the target's host name). */
export type TransportFor = (target: Endpoint) => TransportFactory;

export interface HopTransportOptions {
  /** TLS of the hop (rpc-tls.ts); plaintext when undefined. */
  tls?: ConnectionOptions;
  /** PREDICTOR_COALESCE_MAX: predict calls sent together in one predict-many frame at most. */
  coalesceMax: number;
}

/**
 * The gateway's transport stack to a predictor address: one `JsonRpcConnection` (TLS when
 * configured) behind a `PredictCoalescer`. Built where the client is wired, so that endpoints,
 * the pool and their specs deal only with an `RpcTransport`.
 */
export function hopTransport(options: HopTransportOptions): TransportFor {
  return (target) => {
    const tls = rpcTlsForTarget(options.tls, target.host);
    return (host, port, onSocketError) =>
      new PredictCoalescer(
        new JsonRpcConnection({ host, port, onSocketError, ...(tls ? { tls } : {}) }),
        options.coalesceMax,
      );
  };
}
