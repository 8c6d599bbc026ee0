import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** One line per failed constraint, with the field's path: `data: data must be a string`. */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      lines.push(path ? `${path}: ${message}` : message);
    }
    lines.push(...flattenValidationErrors(error.children ?? [], path));
  }
  return lines;
}

/**
 * The validation every DTO goes through: strict types (no `"true"` for
 * `true`), unknown properties refused by name, and a non-object body refused.
 * `onError` builds the transport's own error (problem+json or RpcException).
 */
export function strictValidationPipe(onError: (lines: string[]) => unknown): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One message per field: the first constraint it breaks.
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const lines = flattenValidationErrors(errors);
      return onError(
        lines.length > 0 && !lines.some((l) => l.startsWith('an unknown value'))
          ? lines
          : ['the body must be a JSON object'],
      );
    },
  });
}
