import type { AppName } from './repo';

/** One environment variable set for an app somewhere in the packaging. */
export interface EnvSetting {
  app: AppName;
  name: string;
  /** File and place, for messages. */
  where: string;
}

/**
 * Read by Node and libraries, or by the dynamic loader (LD_PRELOAD: the images'
 * allocator), not by the apps' schemas, and always fine to set.
 */
export const ALWAYS_ALLOWED_ENV: ReadonlySet<string> = new Set(['NODE_ENV', 'LD_PRELOAD']);

/**
 * Names set for an app that neither its schema, nor the pending list, nor
 * the always-allowed list knows: a typo, or a variable of the other app,
 * which the app would silently ignore (falling back to its default).
 */
export function unknownEnvProblems(
  settings: readonly EnvSetting[],
  known: Record<AppName, ReadonlySet<string>>,
  pending: ReadonlySet<string>,
): string[] {
  return settings
    .filter(
      ({ app, name }) =>
        !known[app].has(name) && !pending.has(name) && !ALWAYS_ALLOWED_ENV.has(name),
    )
    .map(({ app, name, where }) => `${name} (${where}) is not in the ${app} config schema`);
}

/** Pending names that a schema now declares: they must leave the pending list. */
export function pendingInSchemaProblems(
  pending: ReadonlySet<string>,
  known: Record<AppName, ReadonlySet<string>>,
): string[] {
  return [...pending].flatMap((name) =>
    (Object.keys(known) as AppName[])
      .filter((app) => known[app].has(name))
      .map(
        (app) => `${name} is now declared by the ${app} config schema: remove it from PENDING_ENV`,
      ),
  );
}
