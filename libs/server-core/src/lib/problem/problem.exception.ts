import { HttpException } from '@nestjs/common';
import type { HttpErrorCode } from '@ml-system/contracts';

/**
 * An HTTP error that already knows its problem+json form. Everything the
 * services answer with on purpose is one of these; anything else reaching the
 * filter is a bug and becomes a logged 500 with no detail.
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: HttpErrorCode,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly errors?: string[],
  ) {
    super(detail, status);
  }
}
