import { ValidateBy } from 'class-validator';
import type { ValidationOptions } from 'class-validator';

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function names(group: readonly string[]): string {
  return group.length <= 1
    ? (group[0] ?? '')
    : `${group.slice(0, -1).join(', ')} and ${group.at(-1) ?? ''}`;
}

/**
 * Put on the first property of a group of variables that only make sense
 * together (a certificate without its key): valid when all of `group` are set
 * or none is, and its message names every variable of the group and the
 * missing ones. That property must not carry `@IsOptional()`, which would skip
 * this check whenever the property itself is unset.
 */
export function AllOrNone(
  group: readonly string[],
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'allOrNone',
      // Read by the README's environment table (tools/config/env-table.ts).
      constraints: [group],
      validator: {
        validate: (_value: unknown, args) => {
          const object = (args?.object ?? {}) as Record<string, unknown>;
          const set = group.filter((name) => isSet(object[name]));
          return set.length === 0 || set.length === group.length;
        },
        defaultMessage: (args) => {
          const object = (args?.object ?? {}) as Record<string, unknown>;
          const missing = group.filter((name) => !isSet(object[name]));
          return `${names(group)} must be set together or not at all (missing: ${missing.join(', ')})`;
        },
      },
    },
    options,
  );
}
