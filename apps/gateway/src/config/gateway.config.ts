import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { MAX_BATCH_SIZE } from '@ml-system/contracts';
import { AtMost, type EnvDocs, ServerEnv, envValidator } from '@ml-system/server-core';

/** What of an input's text the input log keeps: all of it, a salted hash, or its length. */
export const INPUT_LOG_REDACTIONS = ['none', 'hash', 'length'] as const;

const MIB = 1024 * 1024;

/** `host:port[,host:port…]`, where host is a name, an IPv4 or a bracketed IPv6 address. */
export const ENDPOINT_LIST =
  /^\s*(?:[\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}\s*(?:,\s*(?:[\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}\s*)*$/;

/**
 * One API key: 16 to 512 visible ASCII characters, no comma (the list separator)
 * and no whitespace. Short keys are refused because they can be guessed.
 */
export const API_KEY_PATTERN = /^[\x21-\x2b\x2d-\x7e]{16,512}$/;
const API_KEY_LIST = /^\s*[\x21-\x2b\x2d-\x7e]{16,512}\s*(?:,\s*[\x21-\x2b\x2d-\x7e]{16,512}\s*)*$/;

/** `scheme://host[:port]`, comma-separated; no paths, no wildcard. */
const ORIGIN = String.raw`https?://(?:[\w-]+(?:\.[\w-]+)*|\[[\da-fA-F:.]+\])(?::\d{1,5})?`;
const ORIGIN_LIST = new RegExp(String.raw`^\s*${ORIGIN}\s*(?:,\s*${ORIGIN}\s*)*$`);

/**
 * Everything the gateway reads from its environment, beyond what both services share (ServerEnv). Nothing else in the app
 * touches `process.env`; defaults are the documented ones (README, "Configuration"; docs/architecture.md#configuration).
 * Each property's type is annotated: that annotation is what the strings of
 * the environment are converted to.
 */
export class GatewayEnv extends ServerEnv {
  @IsString()
  @MinLength(1)
  GATEWAY_HOST: string = '0.0.0.0';

  @IsInt()
  @Min(0)
  @Max(65535)
  GATEWAY_PORT: number = 8000;

  @Matches(ENDPOINT_LIST, { message: 'must be a comma list of host:port' })
  PREDICTOR_ENDPOINTS: string = '127.0.0.1:8877';

  /**
   * A file of `host:port` entries (comma- or line-separated, `#` comments),
   * read at start and again every PREDICTOR_RESOLVE_INTERVAL_MS: endpoints
   * added or removed in it join or leave the pool without a restart (file-based
   * discovery, e.g. a mounted ConfigMap). Takes precedence over PREDICTOR_ENDPOINTS.
   * Replace it whole (write elsewhere, then rename), as a ConfigMap update does:
   * a read in the middle of an in-place write could see half an entry.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  PREDICTOR_ENDPOINTS_FILE?: string;

  /** Budget of one attempt against one predictor endpoint. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  PREDICTOR_TIMEOUT_MS: number = 1000;

  /** Budget of the whole request at the gateway; sent to the predictor as an absolute deadline. */
  @IsInt()
  @Min(10)
  @Max(120_000)
  @AtMost(
    'HTTP_REQUEST_TIMEOUT_MS',
    'a socket silent for that long is closed before the request could end',
  )
  REQUEST_DEADLINE_MS: number = 2500;

  /**
   * Retries of a call that got no answer (refused, reset, closed, timed out on
   * another endpoint) or that the predictor refused unworked (SHUTTING_DOWN).
   */
  @IsInt()
  @Min(0)
  @Max(10)
  PREDICTOR_RETRIES: number = 2;

  /** First delay before a retry; it doubles per retry, with jitter. */
  @IsInt()
  @Min(0)
  @Max(10_000)
  PREDICTOR_RETRY_BACKOFF_MS: number = 25;

  /** Longest delay before a retry. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  PREDICTOR_RETRY_BACKOFF_MAX_MS: number = 250;

  /** Retries may add at most this share of the calls (the retry budget's deposit per call). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  RETRY_BUDGET_RATIO: number = 0.2;

  /** Retries allowed per second whatever the traffic (the retry budget's floor). */
  @IsInt()
  @Min(0)
  @Max(10_000)
  RETRY_BUDGET_MIN_PER_S: number = 10;

  /** Consecutive failures of one endpoint that open its circuit breaker. */
  @IsInt()
  @Min(1)
  @Max(1000)
  BREAKER_FAILURES: number = 5;

  /** How long an open breaker refuses before it lets one probe through (half-open). */
  @IsInt()
  @Min(10)
  @Max(600_000)
  BREAKER_OPEN_MS: number = 5000;

  /**
   * Predict calls that arrive together are sent to an endpoint as one
   * predict-many frame of at most this many (dynamic batching); 1 sends each
   * call alone. A lone call never waits for company.
   */
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_SIZE)
  PREDICTOR_COALESCE_MAX: number = MAX_BATCH_SIZE;

  /** Predictor calls in flight at once; one more is answered 503 OVERLOADED at once, never queued. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_IN_FLIGHT: number = 1024;

  /** How often host names in PREDICTOR_ENDPOINTS are resolved again; 0 resolves once, at start. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  PREDICTOR_RESOLVE_INTERVAL_MS: number = 5000;

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

  /** Directory of the durable input log; created (mode 0700) when missing. */
  @IsString()
  @MinLength(1)
  INPUT_LOG_DIR: string = './data/input-log';

  @IsIn(INPUT_LOG_REDACTIONS)
  INPUT_LOG_REDACTION: (typeof INPUT_LOG_REDACTIONS)[number] = 'none';

  /**
   * Key of the `hash` redaction. Unset: a random salt is generated once and kept
   * in the log directory (`hash-salt`, mode 0600).
   */
  @IsOptional()
  @IsString()
  @MinLength(16)
  INPUT_LOG_HASH_SALT?: string;

  /** A segment file is closed and a new one started when the next batch would pass this size. */
  @IsInt()
  @Min(4096)
  @Max(1024 * MIB)
  INPUT_LOG_SEGMENT_BYTES: number = 64 * MIB;

  /** The log's whole size on disk; the oldest segments are deleted to stay within it. */
  @IsInt()
  @Min(4096)
  @Max(Number.MAX_SAFE_INTEGER)
  INPUT_LOG_RETENTION_BYTES: number = 1024 * MIB;

  /**
   * PostgreSQL the input log is shipped to (`postgres://user:pass@host:5432/db?sslmode=…`).
   * Unset: the local log only. See docs/input-log.md, "Shipping to PostgreSQL".
   */
  @IsOptional()
  @Matches(/^postgres(?:ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  INPUT_LOG_DATABASE_URL?: string;

  /** PEM file of the CA that signed the database's certificate; set, TLS is required and verified. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  INPUT_LOG_DATABASE_CA_FILE?: string;

  /** Connections the gateway opens to the database (the shipper and GET /logs share them). */
  @IsInt()
  @Min(1)
  @Max(100)
  INPUT_LOG_DATABASE_POOL_SIZE: number = 4;

  /** A statement running longer is cancelled by the server (and the client gives up soon after). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  INPUT_LOG_DATABASE_STATEMENT_TIMEOUT_MS: number = 5000;

  /**
   * Bytes of the local log not yet shipped at which new inputs are refused
   * (503) rather than risk losing any; the database being down fills it.
   */
  @IsInt()
  @Min(4096)
  @Max(Number.MAX_SAFE_INTEGER)
  INPUT_LOG_SHIP_BACKLOG_BYTES: number = 1024 * MIB;

  /** How long SIGTERM waits for the shipper to empty the backlog before exiting (the rest ships after restart). */
  @IsInt()
  @Min(0)
  @Max(600_000)
  INPUT_LOG_SHIP_DRAIN_MS: number = 10_000;

  /** This replica's name in the database (`input_log.instance_id`); unique and stable per log directory. Default: the host name. */
  @IsOptional()
  @Matches(/^[\w.:-]{1,128}$/, { message: 'must be 1 to 128 letters, digits or . _ : -' })
  GATEWAY_INSTANCE_ID?: string;

  /** Accepted API keys, comma-separated. With API_KEYS_FILE also unset, authentication is off. */
  @IsOptional()
  @Matches(API_KEY_LIST, {
    message:
      'must be a comma list of keys of 16 to 512 visible ASCII characters (no spaces, no commas)',
  })
  API_KEYS?: string;

  /** File of API keys, one per line, `#` starts a comment; read once at boot, added to API_KEYS. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  API_KEYS_FILE?: string;

  /** Requests per RATE_LIMIT_WINDOW_MS per API key (per client address without keys); 0 disables. */
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RATE_LIMIT_MAX: number = 6000;

  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  RATE_LIMIT_WINDOW_MS: number = 60_000;

  /**
   * The whole request (headers and body) must arrive within this; a socket
   * with no traffic either way for this long is closed too.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS: number = 15_000;

  /** The request headers must arrive within this (slowloris bound). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  @AtMost(
    'HTTP_REQUEST_TIMEOUT_MS',
    'the headers are part of the request (Node refuses it otherwise)',
  )
  HTTP_HEADERS_TIMEOUT_MS: number = 10_000;

  /** An idle keep-alive connection is closed after this. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 5_000;

  /** Origins allowed by CORS, comma-separated; unset means CORS is off. */
  @IsOptional()
  @Matches(ORIGIN_LIST, {
    message: 'must be a comma list of origins such as https://app.example.com (no wildcard)',
  })
  CORS_ORIGINS?: string;

  /**
   * The name the predictor's certificate must carry, when it differs from the
   * host of PREDICTOR_ENDPOINTS (an endpoint given by IP, a certificate by
   * name). Unset: a named target is checked against its name, an IP target
   * against the certificate's IP SANs.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  RPC_TLS_SERVERNAME?: string;
}

export const validateGatewayEnv = envValidator(GatewayEnv, {
  secret: ['API_KEYS', 'INPUT_LOG_HASH_SALT', 'INPUT_LOG_DATABASE_URL'],
});

/** The README's words for each variable (`npx nx run tools:env-table` writes the table). */
export const GATEWAY_ENV_DOCS: EnvDocs<GatewayEnv, ServerEnv> = {
  GATEWAY_HOST: { what: 'HTTP listen address' },
  GATEWAY_PORT: { what: 'HTTP listen port (`0` = any free port)' },
  PREDICTOR_ENDPOINTS: {
    what: 'comma list of predictor `host:port` (IPv6 in brackets); a host name resolves to all its addresses',
  },
  PREDICTOR_ENDPOINTS_FILE: {
    what: 'a file of `host:port` entries (comma or line separated, `#` comments) re-read every `PREDICTOR_RESOLVE_INTERVAL_MS`: predictors added or removed there join or leave without a restart; replace it whole (write, then rename), as a ConfigMap update does; takes precedence over `PREDICTOR_ENDPOINTS`',
  },
  PREDICTOR_TIMEOUT_MS: { what: 'budget of one attempt against one predictor' },
  REQUEST_DEADLINE_MS: {
    what: 'budget of the whole request; sent to the predictor as an absolute deadline',
  },
  PREDICTOR_RETRIES: {
    what: 'retries after the first attempt, only when no answer came back (or the predictor refused unworked: `SHUTTING_DOWN`)',
  },
  PREDICTOR_RETRY_BACKOFF_MS: {
    what: 'first delay before a retry (decorrelated jitter; it grows per retry)',
  },
  PREDICTOR_RETRY_BACKOFF_MAX_MS: { what: 'largest delay before a retry' },
  RETRY_BUDGET_RATIO: { what: 'share of extra calls retries may add' },
  RETRY_BUDGET_MIN_PER_S: { what: 'retries always allowed per second, whatever the traffic' },
  BREAKER_FAILURES: { what: "consecutive failures that open one endpoint's breaker" },
  BREAKER_OPEN_MS: { what: 'how long an open breaker stays open before one probe' },
  PREDICTOR_COALESCE_MAX: {
    what: 'predict calls sent to one predictor together as one predict-many frame at most; `1` sends each alone',
  },
  MAX_IN_FLIGHT: {
    what: 'predictor calls in flight at once; beyond it a fast 503 `OVERLOADED` with `Retry-After`',
  },
  PREDICTOR_RESOLVE_INTERVAL_MS: {
    what: 'how often host names in `PREDICTOR_ENDPOINTS` are resolved again (0 = once)',
  },
  PREDICTOR_HEALTH_TIMEOUT_MS: { what: "budget of each endpoint's health round trip" },
  BODY_LIMIT_BYTES: { what: 'largest request body (413 beyond)' },
  INPUT_LOG_DIR: {
    what: 'directory of the durable input log (created `0700`, files `0600`)',
  },
  INPUT_LOG_REDACTION: {
    what: 'what of `data` is stored: `none` (the text), `hash` (HMAC-SHA-256), `length`',
  },
  INPUT_LOG_HASH_SALT: {
    what: 'key of the `hash` redaction; set it from a secret store to keep it away from the log',
    default: 'generated into `<dir>/hash-salt`',
  },
  INPUT_LOG_SEGMENT_BYTES: {
    what: 'size at which a segment file is closed and a new one started',
    default: '`67108864` (64 MiB)',
  },
  INPUT_LOG_RETENTION_BYTES: {
    what: 'whole size of the log on disk; the oldest segments are deleted beyond it',
    default: '`1073741824` (1 GiB)',
  },
  INPUT_LOG_DATABASE_URL: {
    what: 'PostgreSQL the input log is shipped to (`postgres://user:pass@host:5432/db?sslmode=…`); see [docs/input-log.md](docs/input-log.md)',
    default: 'unset (the local log only)',
  },
  INPUT_LOG_DATABASE_CA_FILE: {
    what: "PEM file of the CA that signed the database's certificate; set, TLS is required and verified",
  },
  INPUT_LOG_DATABASE_POOL_SIZE: {
    what: 'connections the gateway opens to the database (the shipper and `GET /logs` share them)',
  },
  INPUT_LOG_DATABASE_STATEMENT_TIMEOUT_MS: {
    what: 'a statement running longer is cancelled by the server',
  },
  INPUT_LOG_SHIP_BACKLOG_BYTES: {
    what: 'bytes of the local log not yet shipped at which new inputs are refused (503) rather than risk losing any',
    default: '`1073741824` (1 GiB)',
  },
  INPUT_LOG_SHIP_DRAIN_MS: {
    what: 'how long SIGTERM waits for the shipper to empty the backlog before exiting (the rest ships after restart)',
  },
  GATEWAY_INSTANCE_ID: {
    what: "this replica's name in the database (`input_log.instance_id`); unique and stable per log directory",
    default: 'the host name',
  },
  API_KEYS: {
    what: 'accepted keys, comma list; each 16–512 visible characters',
    default: 'unset (auth off, warning at start)',
  },
  API_KEYS_FILE: {
    what: 'a file of accepted keys, one per line, `#` comments; added to `API_KEYS`',
    default: 'unset (auth off, warning at start)',
  },
  RATE_LIMIT_MAX: {
    what: 'requests per window per key (or client address); `0` disables',
  },
  RATE_LIMIT_WINDOW_MS: { what: 'the rate limit window' },
  HTTP_REQUEST_TIMEOUT_MS: {
    what: 'slow-client bound: the whole request; a socket silent either way this long is closed too',
  },
  HTTP_HEADERS_TIMEOUT_MS: { what: 'slow-client bound: the headers' },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: { what: 'slow-client bound: an idle keep-alive connection' },
  CORS_ORIGINS: {
    what: 'comma list of allowed origins (`https://host[:port]`)',
    default: 'unset (CORS off)',
  },
  RPC_TLS_SERVERNAME: {
    what: "name checked against the predictor's certificate",
    default: "the endpoint's host name",
  },
};

/** Splits a comma list (API_KEYS, CORS_ORIGINS), trimming items and dropping empty ones. */
export function splitList(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
