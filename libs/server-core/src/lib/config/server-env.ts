import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import type { ObservabilityEnv } from '../observability/observability-core.module';
import { AllOrNone } from './all-or-none';
import type { EnvDocs } from './env-docs';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * What both services read from their environment the same way: logging, tracing, mutual TLS
 * on the TCP hop, and the drain on SIGTERM. Each app's schema class extends it with its own
 * variables; defaults are the README's ("Configuration"). Each property's type is annotated:
 * that annotation is what the strings of the environment are converted to.
 */
export abstract class ServerEnv implements ObservabilityEnv {
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** `true` / `false` force pretty or JSON logs; unset: pretty only on a terminal, outside production. */
  @IsOptional()
  @IsIn(['true', 'false'])
  LOG_PRETTY?: 'true' | 'false';

  /** `production` keeps logs JSON even on a terminal. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** OTLP/HTTP base URL of a trace collector (e.g. http://collector:4318); unset: traces are not exported. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** How long SIGTERM keeps serving with readiness at 503 before closing. */
  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_DRAIN_MS: number = 0;

  /**
   * The CA of the TCP hop's mutual TLS (PEM file): the gateway checks the predictor's
   * certificate against it, the predictor its clients'. With CERT and KEY, or none of the three.
   */
  @AllOrNone(['RPC_TLS_CA', 'RPC_TLS_CERT', 'RPC_TLS_KEY'])
  RPC_TLS_CA?: string;

  /**
   * This service's certificate (PEM file), issued by a CA the other side trusts; the
   * predictor's SAN must name the address the gateway dials.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  RPC_TLS_CERT?: string;

  /** The private key of RPC_TLS_CERT (PEM file). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  RPC_TLS_KEY?: string;
}

export const SERVER_ENV_DOCS: EnvDocs<ServerEnv> = {
  LOG_LEVEL: { what: 'least severe level logged' },
  LOG_PRETTY: {
    what: '`true` / `false` force pretty or JSON logs; unset: pretty only on a terminal outside `NODE_ENV=production`',
  },
  NODE_ENV: { what: '`production` keeps logs JSON even on a terminal' },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    what: 'OTLP/HTTP collector base URL; trace ids are generated and propagated either way',
    default: 'unset (exporter off)',
  },
  SHUTDOWN_DRAIN_MS: {
    what: "on SIGTERM, keep serving this long with readiness at 503 before closing (set it to your load balancer's probe period)",
  },
  RPC_TLS_CA: {
    what: "PEM file of the CA of mutual TLS on the TCP hop; all three `RPC_TLS_*` files or none; the predictor verifies the gateway's certificate against the CA and the gateway the predictor's",
    default: 'unset (plain TCP)',
  },
  RPC_TLS_CERT: {
    what: "PEM file of this service's certificate on the TCP hop; the predictor's SAN must name the address the gateway dials",
    default: 'unset (plain TCP)',
  },
  RPC_TLS_KEY: {
    what: 'PEM file of the private key of `RPC_TLS_CERT`',
    default: 'unset (plain TCP)',
  },
};
