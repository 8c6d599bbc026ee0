import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';
import { envValidator } from '@ml-system/server-core';
import type { ObservabilityEnv } from '@ml-system/server-core';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `host:port[,host:port…]`, where host is a name, an IPv4 or a bracketed IPv6 address. */
const ENDPOINT_LIST = /^\s*(?:[\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}\s*(?:,\s*(?:[\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}\s*)*$/;

/**
 * Everything the gateway reads from its environment. Nothing else in the app
 * touches `process.env`; defaults are the documented ones (README, DESIGN §2).
 * Each property's type is annotated: that annotation is what the strings of
 * the environment are converted to.
 */
export class GatewayEnv implements ObservabilityEnv {
  @IsString()
  @MinLength(1)
  GATEWAY_HOST: string = '0.0.0.0';

  @IsInt()
  @Min(0)
  @Max(65535)
  GATEWAY_PORT: number = 8000;

  @Matches(ENDPOINT_LIST, { message: 'must be a comma list of host:port' })
  PREDICTOR_ENDPOINTS: string = '127.0.0.1:8877';

  /** Budget of one attempt against one predictor endpoint. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  PREDICTOR_TIMEOUT_MS: number = 1000;

  /** Budget of the whole request at the gateway; sent to the predictor as an absolute deadline. */
  @IsInt()
  @Min(10)
  @Max(120_000)
  REQUEST_DEADLINE_MS: number = 2500;

  /** Budget of the health round trip to the predictor. */
  @IsInt()
  @Min(10)
  @Max(10_000)
  PREDICTOR_HEALTH_TIMEOUT_MS: number = 500;

  /** Largest accepted request body. */
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 64 * 1024;

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
}

export const validateGatewayEnv = envValidator(GatewayEnv);

export interface Endpoint {
  host: string;
  port: number;
}

/** Splits PREDICTOR_ENDPOINTS (already validated) into endpoints; brackets come off IPv6. */
export function parseEndpoints(list: string): Endpoint[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const at = item.lastIndexOf(':');
      const host = item.slice(0, at).replace(/^\[(.*)\]$/, '$1');
      return { host, port: Number(item.slice(at + 1)) };
    });
}
