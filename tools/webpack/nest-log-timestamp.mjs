/**
 * Stands in for @nestjs/common's `services/utils/format-log-timestamp.util.js`
 * in the bundles (NestLogTimestampOnFirstUse in node-app.config.js): the same
 * export and the same text, with its Intl.DateTimeFormat made on the first
 * call instead of when the module is loaded. Nest makes it on import, and
 * making one reads ~5 MiB of the ICU data built into the node binary, which
 * then stays in every process's RSS although the services log through pino
 * and never call this (PERFORMANCE.md, issue #18).
 */

/** Nest's options, unchanged: the console logger's timestamps look as before. */
const OPTIONS = {
  year: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  day: '2-digit',
  month: '2-digit',
};

/** @type {Intl.DateTimeFormat | undefined} */
let formatter;
/** @type {number | undefined} */
let cachedSecond;
let cachedText = '';

/**
 * The current time as the console logger prints it. The text stops at
 * seconds, so it is formatted once a second and reused within it.
 *
 * @returns {string}
 */
export function formatLogTimestamp() {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    formatter ??= new Intl.DateTimeFormat(undefined, OPTIONS);
    cachedText = formatter.format(now);
    cachedSecond = second;
  }
  return cachedText;
}
