import { Logger } from '@nestjs/common';
import type { INestMicroservice } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { readTlsMaterial } from '@ml-system/server-core';
import type { PredictorEnv } from '../config/predictor.config';

/**
 * The `tlsOptions` of the predictor's TCP server, or undefined when
 * RPC_TLS_CA/CERT/KEY are unset (plaintext; the env schema refuses a partial
 * set). With them, only TLS 1.2+ is spoken, every client must present a
 * certificate that chains to RPC_TLS_CA (`requestCert` + `rejectUnauthorized`),
 * and a client that stalls in the handshake is cut after the same
 * RPC_INCOMPLETE_FRAME_TIMEOUT_MS as one that stalls mid-frame (Node's default
 * is 120 s). Frame size and stall limits of the hardened socket apply to the
 * decrypted stream as they do to plaintext. Files are read once, at boot.
 *
 * @throws TlsConfigError naming the variable whose file cannot be read, or
 *   the three when they do not make a valid identity.
 */
export function rpcServerTlsOptions(
  config: ConfigService<PredictorEnv, true>,
): TlsOptions | undefined {
  const ca = config.get('RPC_TLS_CA', { infer: true });
  const cert = config.get('RPC_TLS_CERT', { infer: true });
  const key = config.get('RPC_TLS_KEY', { infer: true });
  if (!ca || !cert || !key) return undefined;
  return {
    ...readTlsMaterial(
      { ca, cert, key },
      { ca: 'RPC_TLS_CA', cert: 'RPC_TLS_CERT', key: 'RPC_TLS_KEY' },
    ),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    handshakeTimeout: config.get('RPC_INCOMPLETE_FRAME_TIMEOUT_MS', { infer: true }),
  };
}

const logger = new Logger('RpcTls');

/**
 * Closes the sockets of clients whose TLS handshake failed or timed out.
 *
 * Node leaves that to a `tlsClientError` listener: without one, a connection
 * whose handshake passed `handshakeTimeout` is reported and then kept open
 * forever, so a client that sends three bytes of a ClientHello could hold a
 * socket (and a file descriptor) for good. ServerTCP registers no such
 * listener, so this one does the closing.
 */
export function closeFailedTlsHandshakes(microservice: INestMicroservice): void {
  microservice.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
    logger.warn(
      `refused a TLS client from ${socket.remoteAddress ?? '?'}: ${error.code ?? error.message}`,
    );
    socket.destroy();
  });
}
