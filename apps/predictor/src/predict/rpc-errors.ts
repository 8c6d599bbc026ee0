import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { isPredictorError, predictorError } from '@ml-system/contracts';
import type { PredictorError } from '@ml-system/contracts';
import type { RpcFailures } from '../observability/rpc-telemetry.service';

/** What the caller receives for a bug: never its details. */
export const INTERNAL_ERROR: PredictorError = Object.freeze(
  predictorError('INTERNAL', 'the predictor failed to handle the message'),
);

const logger = new Logger('RpcErrors');

/** The predictor error an exception carries on purpose, or undefined for a bug. */
export function predictorErrorOf(exception: unknown): PredictorError | undefined {
  const error = exception instanceof RpcException ? exception.getError() : undefined;
  return isPredictorError(error) ? error : undefined;
}

/**
 * Logs a bug once, with its stack. The message handlers' telemetry calls it
 * (through RPC_FAILURE_POLICY) in the message's log context; the filter is the net for the rest.
 */
export function reportBug(exception: unknown): void {
  logger.error(
    exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
  );
}

/**
 * How the message handlers' failures are answered: a `{code, message}` thrown on purpose goes
 * as it is; anything else is a bug, logged once and answered as a bare INTERNAL.
 */
export const RPC_FAILURE_POLICY: RpcFailures = Object.freeze({
  refusalOf: predictorErrorOf,
  bugAnswer: INTERNAL_ERROR,
  report: reportBug,
});
