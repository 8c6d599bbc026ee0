import { Transport } from '@nestjs/microservices';
import type { TcpOptions } from '@nestjs/microservices';
import type { TlsOptions } from 'node:tls';
import { MAX_RPC_FRAME_CHARS } from '@ml-system/contracts';
import { hardenedJsonSocket } from './hardened-json-socket';

export interface TcpServerSettings {
  host: string;
  port: number;
  incompleteFrameTimeoutMs: number;
  /** Mutual TLS (see rpc-tls.ts); plaintext when undefined. */
  tls?: TlsOptions;
}

/** The predictor's TCP microservice: where it listens and how it frames. */
export function tcpServerOptions(settings: TcpServerSettings): TcpOptions {
  return {
    transport: Transport.TCP,
    options: {
      host: settings.host,
      port: settings.port,
      tlsOptions: settings.tls,
      socketClass: hardenedJsonSocket({
        maxFrameChars: MAX_RPC_FRAME_CHARS,
        incompleteFrameTimeoutMs: settings.incompleteFrameTimeoutMs,
      }),
    },
  };
}
