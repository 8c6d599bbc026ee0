import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import type { ObservabilityEnv } from '../observability/observability-core.module';
import { AllOrNone } from './all-or-none';

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
