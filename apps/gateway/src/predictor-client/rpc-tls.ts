import type { ConfigService } from '@nestjs/config';
import type { ConnectionOptions } from 'node:tls';
import { readTlsMaterial } from '@ml-system/server-core';
import type { GatewayEnv } from '../config/gateway.config';
import { isIpLiteral } from './resolver';

/**
 * The TLS options of the gateway's connections to the predictors, or undefined when
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

/**
 * The TLS options of one endpoint. Names are resolved and each address is
 * dialled by IP, so Node would check the predictor's certificate against that
 * IP; the name the operator configured (`predictor-headless:8877`) is what
 * the certificate carries, so it becomes the `servername` (SNI and identity
 * check), unless RPC_TLS_SERVERNAME already names one. A target given as an IP
 * is checked against the certificate's IP SANs.
 */
export function rpcTlsForTarget(
  tls: ConnectionOptions | undefined,
  targetHost: string,
): ConnectionOptions | undefined {
  if (!tls || tls.servername || isIpLiteral(targetHost)) return tls;
  return { ...tls, servername: targetHost };
}
