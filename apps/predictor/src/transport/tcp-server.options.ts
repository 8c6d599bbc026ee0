import type { CustomStrategy } from '@nestjs/microservices';
import type { TlsOptions } from 'node:tls';
import { MAX_RPC_FRAME_CHARS } from '@ml-system/contracts';
import { hardenedJsonSocket } from './hardened-json-socket';
import { PredictorTcpServer } from './predictor-tcp.server';

export interface TcpServerSettings {
  host: string;
  port: number;
  incompleteFrameTimeoutMs: number;
  /** Mutual TLS (see rpc-tls.ts); plaintext when undefined. */
  tls?: TlsOptions;
}

/**
 * The predictor's TCP microservice: Nest's TCP transport (PredictorTcpServer
 * only makes its route lookup cheaper), where it listens and how it frames.
 */
export function tcpServerOptions(settings: TcpServerSettings): CustomStrategy {
  return {
    strategy: new PredictorTcpServer({
      host: settings.host,
      port: settings.port,
      tlsOptions: settings.tls,
      socketClass: hardenedJsonSocket({
        maxFrameChars: MAX_RPC_FRAME_CHARS,
        incompleteFrameTimeoutMs: settings.incompleteFrameTimeoutMs,
      }),
    }),
  };
}
