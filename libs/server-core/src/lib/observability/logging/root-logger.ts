import pino from 'pino';
import type { DestinationStream, Level, LevelWithSilent, Logger, LoggerOptions } from 'pino';
import { cachedIsoTimeField } from './iso-time';
import { LineBatch } from './line-batch';
import { currentLogContext } from './log-context';

export interface RootLoggerOptions {
  /** `gateway` or `predictor`: the `service` field of every line. */
  service: string;
  level: LevelWithSilent;
  pretty: boolean;
  /** Where lines go; stdout (asynchronously) when omitted. Specs pass a capturing stream. */
  destination?: DestinationStream;
}

export interface PrettyDecisionInput {
  /** LOG_PRETTY: `true` / `false` force it; unset means "decide from the terminal". */
  logPretty?: 'true' | 'false' | undefined;
  nodeEnv?: string | undefined;
  stdoutIsTty: boolean;
}

/**
 * Pretty lines only for a person at a terminal: JSON whenever stdout is a
 * pipe or a file (containers, CI, the e2e specs) or the process runs in
 * production, unless LOG_PRETTY says otherwise.
 */
export function shouldPrettyPrint({
  logPretty,
  nodeEnv,
  stdoutIsTty,
}: PrettyDecisionInput): boolean {
  if (logPretty === 'true') return true;
  if (logPretty === 'false') return false;
  return stdoutIsTty && nodeEnv !== 'production';
}

/**
 * Defence in depth: the fields that could carry a client's text are censored
 * if a future log call ever passes a body. Top-level paths only, so the cost
 * is paid by the lines that carry objects, not by every line.
 */
const REDACTED_PATHS = ['data', 'input', 'inputs', 'body', 'payload'];

/** The mixin's answer outside any log context: shared, so never written to. */
const NO_CONTEXT: Readonly<Record<string, never>> = Object.freeze({});

/**
 * A line's own fields over its context's, as pino's default merge does, but
 * without its `Object.assign(context, line)`: that wrote every line's fields
 * into the shared context object (and cost an object per line outside one).
 */
function mergeLogContext(line: object, context: object): object {
  return context === NO_CONTEXT ? line : { ...context, ...line };
}

function baseOptions(options: RootLoggerOptions): LoggerOptions {
  return {
    level: options.level,
    base: { service: options.service, pid: process.pid },
    // pino's isoTime, made once per millisecond rather than once per line.
    timestamp: cachedIsoTimeField,
    // Level names, not numbers: what log pipelines and people filter on.
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: () => currentLogContext() ?? NO_CONTEXT,
    mixinMergeStrategy: mergeLogContext,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}

/**
 * Under load, lines leave in writes of about this many bytes instead of one
 * write each. Each write is a trip to libuv's thread pool and back; at 4 KiB
 * (~10 lines) those trips were the predictor's largest item under load (18.7%
 * of its busy time at 64 connections, 2.7% at 64 KiB). What a crash can lose
 * is bounded by the flush interval as before: at ~10,000 lines a second, a
 * chunk fills in well under 200 ms.
 */
const LOG_WRITE_CHUNK_BYTES = 64 * 1024;
/** With little traffic, no line waits in the buffer longer than this. */
const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * The one pino logger of a process. JSON lines go to stdout through an
 * asynchronous SonicBoom in ~64 KiB writes (one write per line was ~3% of the
 * gateway's CPU at thousands of requests a second), gathered by a LineBatch
 * (which copies each line once, where SonicBoom's own gathering copied its
 * whole buffer per line) and flushed every 200 ms, so a quiet service still
 * shows its lines at once; both are flushed synchronously on `exit`, so the
 * last lines before `process.exit()` are not lost. Pretty output runs pino-pretty
 * in a worker thread, off the request path; it is a dev dependency, so when
 * it is missing the logger falls back to JSON rather than failing to start.
 */
export function createRootLogger(options: RootLoggerOptions): Logger {
  const base = baseOptions(options);
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    try {
      // A probe that survives bundling (webpack would resolve `require.resolve` at build time).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('pino-pretty');
      return pino({
        ...base,
        transport: {
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
        },
      });
    } catch {
      // Not installed (a production install): JSON it is.
    }
  }
  const stdout = pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_WRITE_CHUNK_BYTES,
    maxWrite: 2 * LOG_WRITE_CHUNK_BYTES,
  });
  const lines = new LineBatch(stdout, LOG_WRITE_CHUNK_BYTES);
  setInterval(() => lines.tick(), LOG_FLUSH_INTERVAL_MS).unref();
  // pino flushes its SonicBoom synchronously on exit; this listener comes after pino's and
  // writes the lines still in the batch the same way.
  process.once('exit', () => lines.flushSync());
  return pino(base, lines);
}

/** A logger that writes nothing: for specs and tools that build the apps without serving. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Level, LevelWithSilent, Logger };
