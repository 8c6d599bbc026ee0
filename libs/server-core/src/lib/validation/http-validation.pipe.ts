import type { ValidationPipe } from '@nestjs/common';
import { ProblemException } from '../problem/problem.exception';
import { strictValidationPipe } from './validation.pipe';

/** The HTTP flavour: a 400 problem+json whose `errors` lists every offending field. */
export function httpValidationPipe(): ValidationPipe {
  return strictValidationPipe(
    (lines) =>
      new ProblemException(
        400,
        'VALIDATION_FAILED',
        lines.length === 1
          ? (lines[0] ?? 'invalid body')
          : `${lines.length} problems: ${lines.join('; ')}`,
        {},
        lines,
      ),
  );
}
