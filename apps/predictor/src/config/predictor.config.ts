import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { MODEL_NAME_PATTERN } from '@ml-system/contracts';
import { type EnvDocs, ServerEnv, envValidator } from '@ml-system/server-core';

/**
 * Everything the predictor reads from its environment, beyond what both services share (ServerEnv). Nothing else in the app
 * touches `process.env`; defaults are the documented ones (README, "Configuration"; docs/architecture.md#configuration).
 * Each property's type is annotated: that annotation is what the strings of
 * the environment are converted to.
 */
export class PredictorEnv extends ServerEnv {
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

  /**
   * A peer that starts a frame and stops sending for this long is cut off, so
   * that a stalled or hostile connection cannot pin a partial frame in memory.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  RPC_INCOMPLETE_FRAME_TIMEOUT_MS: number = 5_000;

  /**
   * How long a request on the HTTP face may wait for its model. The TCP face
   * has the gateway's deadline in every message; a direct HTTP client has
   * none, and without one a request queued behind a slow model would wait
   * as long as the queue, long after its client gave up.
   */
  @IsInt()
  @Min(10)
  @Max(600_000)
  HTTP_INFER_TIMEOUT_MS: number = 30_000;
}

export const validatePredictorEnv = envValidator(PredictorEnv);

/** The README's words for each variable (`npx nx run tools:env-table` writes the table). */
export const PREDICTOR_ENV_DOCS: EnvDocs<PredictorEnv, ServerEnv> = {
  PREDICTOR_TCP_HOST: { what: 'TCP microservice listen address' },
  PREDICTOR_TCP_PORT: { what: 'TCP microservice listen port' },
  PREDICTOR_HTTP_HOST: { what: 'HTTP listen address' },
  PREDICTOR_HTTP_PORT: { what: 'HTTP listen port' },
  MODEL_PATH: {
    what: 'model artifact to load; missing or corrupt stops the predictor at boot',
    default: 'the bundled `assets/model/animal-text-nb.json`',
  },
  MODEL_REPOSITORY: {
    what: "a model repository `<dir>/<name>/<version>/` (Triton's layout) of Hugging Face text classifiers, plain ONNX models and the project's artifacts; not with `MODEL_PATH` ([docs/model-serving.md](docs/model-serving.md))",
    default: 'unset (the bundled repository: `animal-text-nb` version 1)',
  },
  MODEL_REPOSITORY_POLL_MS: {
    what: 'how often `MODEL_REPOSITORY` is scanned for version folders added (loaded, warmed, then served) or removed (drained, then unloaded); `0` = never',
  },
  DEFAULT_MODEL: {
    what: 'the model a request gets when it names none; required when the repository holds several',
    default: "the repository's only model",
  },
  RPC_INCOMPLETE_FRAME_TIMEOUT_MS: {
    what: 'a TCP frame left incomplete this long closes its connection',
  },
  HTTP_INFER_TIMEOUT_MS: {
    what: "how long a request on the HTTP face (`/predict`, `/predict/batch`, OIP `infer`) may wait for its model; still queued then: 504, `DEADLINE_EXCEEDED` (the TCP face carries the gateway's deadline instead)",
  },
};
