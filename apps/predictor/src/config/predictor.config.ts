import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { MODEL_NAME_PATTERN } from '@ml-system/contracts';
import { AllOrNone, envValidator } from '@ml-system/server-core';
import type { ObservabilityEnv } from '@ml-system/server-core';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Everything the predictor reads from its environment. Nothing else in the app
 * touches `process.env`; defaults are the documented ones (README, "Configuration"; docs/architecture.md#configuration).
 * Each property's type is annotated: that annotation is what the strings of
 * the environment are converted to.
 */
export class PredictorEnv implements ObservabilityEnv {
  @IsString()
  @MinLength(1)
  PREDICTOR_TCP_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  PREDICTOR_TCP_PORT: number = 8877;

  @IsString()
  @MinLength(1)
  PREDICTOR_HTTP_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  PREDICTOR_HTTP_PORT: number = 8001;

  /** Model artifact; unset means the one bundled with the build. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  MODEL_PATH?: string;

  /**
   * A model repository, `<dir>/<name>/<version>/` (Triton's layout, docs/model-serving.md#the-repository);
   * unset: the bundled repository holding `animal-text-nb` version 1.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  MODEL_REPOSITORY?: string;

  /**
   * How often MODEL_REPOSITORY is scanned for version folders added or
   * removed (loaded, or drained and unloaded, without a restart); 0: never.
   */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  MODEL_REPOSITORY_POLL_MS: number = 5_000;

  /** The model a request gets when it names none; unset: the repository's only model. */
  @IsOptional()
  @Matches(MODEL_NAME_PATTERN)
  DEFAULT_MODEL?: string;

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

  /**
   * A peer that starts a frame and stops sending for this long is cut off, so
   * that a stalled or hostile connection cannot pin a partial frame in memory.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  RPC_INCOMPLETE_FRAME_TIMEOUT_MS: number = 5_000;

  /** How long SIGTERM keeps serving with readiness at 503 before closing. */
  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_DRAIN_MS: number = 0;

  /**
   * CA that issued the certificates of the allowed clients (PEM file). With
   * CERT and KEY, the TCP server speaks only TLS and only to clients whose
   * certificate chains to this CA (mutual authentication).
   */
  @AllOrNone(['RPC_TLS_CA', 'RPC_TLS_CERT', 'RPC_TLS_KEY'])
  RPC_TLS_CA?: string;

  /** The predictor's certificate (PEM file); its SAN must name the address the gateway dials. */
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

export const validatePredictorEnv = envValidator(PredictorEnv);
