import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { ValidationError } from 'class-validator';

/** A configuration that cannot start the process; the message names each bad variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export interface EnvValidatorOptions {
  /** Variables whose value must never be printed (API keys): a refusal shows `(redacted)`. */
  secret?: readonly string[];
}

function describe(
  error: ValidationError,
  raw: Record<string, unknown>,
  secret: ReadonlySet<string>,
): string {
  const got = raw[error.property];
  const shown =
    got === undefined ? 'unset' : secret.has(error.property) ? '(redacted)' : JSON.stringify(got);
  const why = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}=${shown}: ${why}`;
}

/**
 * Builds the `validate` function for `ConfigModule.forRoot`: environment
 * strings are converted to the schema's types, defaults come from the class's
 * property initialisers, and unknown variables are ignored (the environment
 * holds far more than ours). Values of `options.secret` variables are never
 * shown in the error.
 */
export function envValidator<T extends object>(
  schema: new () => T,
  options: EnvValidatorOptions = {},
) {
  const secret = new Set(options.secret ?? []);
  return (raw: Record<string, unknown>): T => {
    // Empty strings mean "unset", as a shell `VAR=` would suggest.
    const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
    const env = plainToInstance(schema, present, {
      enableImplicitConversion: true,
      exposeDefaultValues: true,
    });
    const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
    if (errors.length > 0)
      throw new ConfigValidationError(errors.map((e) => describe(e, present, secret)));
    return env;
  };
}
