import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';

/**
 * SIGTERM / SIGINT: close the app (readiness 503, optional drain delay,
 * in-flight requests finish, servers and clients close), then exit 0. A second
 * signal, or a close that hangs past `timeoutMs`, exits 1 at once.
 *
 * Nest's own `enableShutdownHooks()` re-raises the signal after closing, so
 * the process would end "killed by SIGTERM" rather than with a clean 0 that
 * supervisors and `nx serve` read as a normal stop.
 */
export function exitOnShutdownSignals(app: INestApplication, timeoutMs = 15_000): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: draining`);
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than ${timeoutMs} ms: exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
