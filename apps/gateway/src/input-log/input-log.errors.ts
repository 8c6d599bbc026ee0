import { ProblemException } from '@ml-system/server-core';

/**
 * The input log cannot take records now. `reason` is safe to show a client:
 * it names the condition (disk full, directory not writable), never a path.
 * Marked with a property as well as a class so that `isInputLogUnavailable()`
 * holds across module copies (jest, webpack) where `instanceof` may not.
 */
export class InputLogUnavailableError extends Error {
  readonly inputLogUnavailable = true;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`input log unavailable: ${reason}`, options);
    this.name = 'InputLogUnavailableError';
  }
}

export function isInputLogUnavailable(error: unknown): error is InputLogUnavailableError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { inputLogUnavailable?: unknown }).inputLogUnavailable === true &&
    typeof (error as { reason?: unknown }).reason === 'string'
  );
}

/** The errno code of a file system error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What went wrong, in words fit for a health report or a 503 detail. The raw
 * error message holds the path, so it goes to the server log only.
 */
export function describeFsError(error: unknown): string {
  if (isInputLogUnavailable(error)) return error.reason;
  switch (errnoCode(error)) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exhausted';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied on the log directory';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
    case 'EEXIST':
    case 'ENOENT':
      return 'the log directory cannot be created or is gone';
    case 'EIO':
      return 'an I/O error occurred';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return 'an unexpected file system error occurred';
  }
}

/**
 * An error's message for the server log. Duck-typed: errors from node's own
 * modules fail `instanceof Error` across realms (jest runs specs in one).
 */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * The answer when an input was not recorded: it is not accepted (503). Every
 * route that takes inputs (`/process`, the infer routes) throws this one.
 */
export function inputNotRecorded(error: unknown): never {
  const reason = isInputLogUnavailable(error) ? error.reason : 'the input log failed';
  throw new ProblemException(
    503,
    'INPUT_LOG_UNAVAILABLE',
    `The input could not be recorded (${reason}), so it was not accepted; retry later`,
    { 'retry-after': '5' },
  );
}
