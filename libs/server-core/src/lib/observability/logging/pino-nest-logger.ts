import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Nest's own start-up chatter (one line per module and per route) is useful
 * when debugging wiring, noise in production: it goes to `debug`.
 */
const CHATTY_CONTEXTS: ReadonlySet<string> = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
]);

/** `at f (file:1:2)` lines: what tells a stack apart from a context name. */
const STACK_LINE = /\n\s+at /;

/**
 * Nest's `LoggerService` over pino, so that every `new Logger(X.name)` in the
 * apps (and Nest's own lines) becomes one JSON line with a `context` field.
 *
 * Nest's Logger calls `method(message, ...params, context)`: the last string
 * is the context, an error's second argument may be a stack, and the message
 * may be an object (merged into the line) or an Error (logged as `err`).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const last = rest[rest.length - 1];
    const context =
      typeof last === 'string' && !STACK_LINE.test(last) ? (rest.pop() as string) : undefined;
    const effective = context && level === 'info' && CHATTY_CONTEXTS.has(context) ? 'debug' : level;
    if (!this.logger.isLevelEnabled(effective)) return;

    const fields: Record<string, unknown> = context ? { context } : {};
    let text: string | undefined;
    if (message instanceof Error) {
      fields['err'] = message;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
    } else {
      text = String(message);
    }
    const extra: unknown[] = [];
    for (const param of rest) {
      if (typeof param === 'string' && STACK_LINE.test(param)) fields['stack'] = param;
      else if (typeof param === 'string' && text === undefined) text = param;
      else if (param instanceof Error) fields['err'] = param;
      else if (param !== undefined) extra.push(param);
    }
    if (extra.length > 0) fields['args'] = extra;
    this.logger[effective](fields, text);
  }
}
