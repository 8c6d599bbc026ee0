import pino from 'pino';
import type { Logger } from 'pino';
import { requestLogLine, roundMs } from './log-lines';
import type { LineLevel, RequestLogInput } from './log-lines';

/** The message of every request's line. */
export const REQUEST_LINE_MESSAGE = 'request completed';

const {
  chindingsSym,
  endSym,
  formattersSym,
  hooksSym,
  lsCacheSym,
  messageKeySym,
  mixinSym,
  needsMetadataGsym,
  nestedKeySym,
  serializersSym,
  streamSym,
  stringifiersSym,
  timeSym,
  wildcardFirstSym,
} = pino.symbols;

/** The keys of a log context (log-context.ts): the line carries all three, so a context changes nothing. */
const CONTEXT_KEYS: ReadonlySet<string> = new Set(['request_id', 'trace_id', 'span_id']);
const LINE_KEYS = [
  ...CONTEXT_KEYS,
  'method',
  'route',
  'status',
  'latency_ms',
  'outcome',
  'msg',
] as const;

/** A pino logger seen through `pino.symbols`, its documented handles on its internals. */
type PinoInternals = Record<symbol, unknown>;

function field<T>(logger: PinoInternals, key: symbol): T {
  return logger[key] as T;
}

interface Stream {
  write(line: string): unknown;
}

type Mixin = (fields: object, level: number, logger: Logger) => object;

/** Whether pino would write every field of a request line as it is: no option of the logger rewrites one. */
function writesFieldsAsTheyAre(logger: PinoInternals): boolean {
  if (logger[messageKeySym] !== 'msg' || logger[nestedKeySym]) return false;
  const formatters = field<{ log?: unknown }>(logger, formattersSym);
  const hooks = field<{ streamWrite?: unknown; logMethod?: unknown }>(logger, hooksSym);
  if (formatters.log || hooks.streamWrite || hooks.logMethod) return false;
  const stringifiers = field<Record<string | symbol, unknown>>(logger, stringifiersSym);
  const serializers = field<Record<string, unknown>>(logger, serializersSym);
  if (stringifiers[wildcardFirstSym]) return false;
  if (msgPrefixSym === undefined || typeof logger[msgPrefixSym] === 'string') return false;
  if (field<PinoInternals>(logger, streamSym)[needsMetadataGsym]) return false;
  return LINE_KEYS.every(
    (key) => serializers[key] === undefined && stringifiers[key] === undefined,
  );
}

const verdicts = new WeakMap<Logger, boolean>();
/** What the mixin is shown as the line's own fields when asked for its context. */
const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});
/** pino's msgPrefix symbol, missing from its typed `symbols`. */
const msgPrefixSym: symbol | undefined = (pino.symbols as unknown as Record<string, symbol>)[
  'msgPrefixSym'
];

/**
 * A string pino writes as `"` + it + `"` and JSON.stringify the same way:
 * printable ASCII without a quote or a backslash. Anything else takes pino's
 * own path, so that the line stays what pino would write.
 */
function isPlain(value: string): boolean {
  if (typeof value !== 'string') return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/**
 * Writes the one line of a finished HTTP request, byte for byte what
 * `logger[level](requestLogLine(input), REQUEST_LINE_MESSAGE)` writes, but
 * built as one string from pino's cached level, time, bindings and end: pino
 * serialises an object key by key (a quoted copy of each key and value, a
 * string per separator), about 2 KB of short-lived strings per line, where
 * this makes one. Falls back to pino itself when a value would need escaping,
 * a number is not finite, the log context holds other keys, or the logger has
 * an option that rewrites fields (a spec compares both paths).
 */
export function writeRequestLine(logger: Logger, level: LineLevel, input: RequestLogInput): void {
  if (!logger.isLevelEnabled(level)) return;
  const internals = logger as unknown as PinoInternals;
  let direct = verdicts.get(logger);
  if (direct === undefined) {
    direct = writesFieldsAsTheyAre(internals);
    verdicts.set(logger, direct);
  }
  const num = logger.levels.values[level];
  // Rounded as requestLogLine does: a huge finite latency rounds to Infinity, which pino writes as null.
  const latencyMs = roundMs(input.latencyMs);
  if (
    !direct ||
    num === undefined ||
    !isPlain(input.requestId) ||
    !isPlain(input.traceId) ||
    !isPlain(input.spanId) ||
    !isPlain(input.method) ||
    !isPlain(input.route) ||
    !isPlain(input.outcome) ||
    !Number.isFinite(input.status) ||
    !Number.isFinite(latencyMs) ||
    !contextIsPlain(internals, num, logger)
  ) {
    logger[level](requestLogLine(input), REQUEST_LINE_MESSAGE);
    return;
  }
  const levelField = field<Record<number, string>>(internals, lsCacheSym)[num] ?? '';
  const time = field<() => string>(internals, timeSym)();
  field<Stream>(internals, streamSym).write(
    `${levelField}${time}${field<string>(internals, chindingsSym)}` +
      `,"request_id":"${input.requestId}","trace_id":"${input.traceId}","span_id":"${input.spanId}"` +
      `,"method":"${input.method}","route":"${input.route}","status":${input.status}` +
      `,"latency_ms":${latencyMs},"outcome":"${input.outcome}","msg":"${REQUEST_LINE_MESSAGE}"` +
      field<string>(internals, endSym),
  );
}

/** The mixin's fields (the log context) are all ones the line overrides: they change nothing. */
function contextIsPlain(internals: PinoInternals, num: number, logger: Logger): boolean {
  const mixin = field<Mixin | undefined>(internals, mixinSym);
  if (!mixin) return true;
  const context = mixin(NO_FIELDS, num, logger);
  for (const key in context) if (!CONTEXT_KEYS.has(key)) return false;
  return true;
}
