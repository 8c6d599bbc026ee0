import type { ConfigService } from '@nestjs/config';
import type { ConnectionOptions } from 'node:tls';
import { readTlsMaterial } from '@ml-system/server-core';
import type { GatewayEnv } from '../config/gateway.config';

/**
 * The `tlsOptions` of the gateway's ClientTCP instances, or undefined when
 * RPC_TLS_CA/CERT/KEY are unset (plaintext hop; the env schema refuses a
 * partial set). With them, the gateway presents its certificate (the predictor
 * requires one) and accepts only a predictor whose certificate chains to
 * RPC_TLS_CA and names the endpoint's host (or RPC_TLS_SERVERNAME). Files are
 * read once, here, at boot.
 *
 * @throws TlsConfigError naming the variable whose file cannot be read, or
 *   the three when they do not make a valid identity.
 */
export function rpcClientTlsOptions(
  config: ConfigService<GatewayEnv, true>,
): ConnectionOptions | undefined {
  const ca = config.get('RPC_TLS_CA', { infer: true });
  const cert = config.get('RPC_TLS_CERT', { infer: true });
  const key = config.get('RPC_TLS_KEY', { infer: true });
  if (!ca || !cert || !key) return undefined;
  const servername = config.get('RPC_TLS_SERVERNAME', { infer: true });
  return {
    ...readTlsMaterial(
      { ca, cert, key },
      { ca: 'RPC_TLS_CA', cert: 'RPC_TLS_CERT', key: 'RPC_TLS_KEY' },
    ),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ...(servername ? { servername } : {}),
  };
}
