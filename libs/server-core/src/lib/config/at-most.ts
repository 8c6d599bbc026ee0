import { ValidateBy } from 'class-validator';
import type { ValidationOptions } from 'class-validator';

/**
 * A numeric variable that must not exceed another one of the same schema
 * (`headersTimeout` ≤ `requestTimeout`, which Node itself enforces by
 * throwing at server creation). `why` ends the message, so that the operator
 * learns the reason, not only the rule.
 */
export function AtMost(other: string, why: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'atMost',
      // Read by the README's environment table (tools/config/env-table.ts).
      constraints: [other],
      validator: {
        validate: (value: unknown, args) => {
          const limit = (args?.object as Record<string, unknown> | undefined)?.[other];
          return typeof value !== 'number' || typeof limit !== 'number' || value <= limit;
        },
        defaultMessage: (args) => {
          const limit = (args?.object as Record<string, unknown> | undefined)?.[other];
          return `${args?.property ?? 'value'} must not exceed ${other} (${String(limit)}): ${why}`;
        },
      },
    },
    options,
  );
}
