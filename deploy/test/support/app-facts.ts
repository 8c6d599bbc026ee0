/**
 * Facts about the apps, read from their source files as text.
 *
 * The deploy project is tooling (tags type:tools): Nx module boundaries forbid
 * it to import app code, and importing the env classes would also pull in Nest
 * and class-validator just to list names. The config schemas and controllers
 * are written in a regular style, so a few anchored regular expressions read
 * what the packaging must agree with: env names and defaults, GET routes, the
 * hard shutdown timeout. Each reader fails loudly when it finds nothing, so a
 * change of style breaks these specs instead of silently allowing everything.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { AppName } from './repo';
import { listFiles, readRepoFile, repoPath } from './repo';

/**
 * An env schema property declaration at the start of a line, e.g.
 * `  GATEWAY_PORT: number = 8000;` or `  MODEL_PATH?: string;`. Env classes
 * name their properties exactly like the variables (upper snake case), and
 * nothing else in those files is an indented upper-case declaration.
 */
const ENV_PROPERTY = /^\s+([A-Z][A-Z0-9_]+)[?!]?:/gm;

/** Env names declared in one schema source text. */
export function envNamesInSchemaSource(source: string): string[] {
  return [...source.matchAll(ENV_PROPERTY)].map((match) => match[1] ?? '');
}

/** The settings both apps share: the base class of each app's schema. */
export const SHARED_SCHEMA_FILE = repoPath(
  'libs',
  'server-core',
  'src',
  'lib',
  'config',
  'server-env.ts',
);

/** `apps/<app>/src/config/*.config.ts` (specs excluded), and the shared base class. */
export function schemaFiles(app: AppName): string[] {
  const files = listFiles(repoPath('apps', app, 'src', 'config'), (name) =>
    name.endsWith('.config.ts'),
  );
  if (files.length === 0) throw new Error(`no env schema (*.config.ts) found for ${app}`);
  return [...files.sort(), SHARED_SCHEMA_FILE];
}

/** Every env name the app's config schemas declare. */
export function schemaEnvNames(app: AppName): Set<string> {
  const names = schemaFiles(app).flatMap((file) =>
    envNamesInSchemaSource(readFileSync(file, 'utf8')),
  );
  if (names.length === 0)
    throw new Error(`no env property found in the ${app} schema: has its style changed?`);
  return new Set(names);
}

/**
 * The default of one schema property, as the environment string that would
 * produce it: `PORT: number = 8_000;` → `'8000'`, `HOST: string = '0.0.0.0';`
 * → `'0.0.0.0'`. Undefined when the property has no literal default.
 */
export function envDefaultInSchemaSource(source: string, name: string): string | undefined {
  const match = new RegExp(`^\\s+${name}[?!]?:[^=\\n]*=\\s*([^;\\n]+);`, 'm').exec(source);
  const literal = match?.[1]?.trim();
  if (literal === undefined) return undefined;
  const quoted = /^(['"`])(.*)\1$/.exec(literal);
  if (quoted) return quoted[2];
  if (/^[\d_]+$/.test(literal)) return literal.replace(/_/g, '');
  return undefined;
}

export function schemaEnvDefault(app: AppName, name: string): string | undefined {
  for (const file of schemaFiles(app)) {
    const value = envDefaultInSchemaSource(readFileSync(file, 'utf8'), name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The variables that choose the ports each app listens on. */
export const PORT_ENV: Record<AppName, { http: string; rpc?: string }> = {
  gateway: { http: 'GATEWAY_PORT' },
  predictor: { http: 'PREDICTOR_HTTP_PORT', rpc: 'PREDICTOR_TCP_PORT' },
};

/**
 * The port an app listens on given the variables set for it: the value set,
 * else the schema's default. Throws when neither gives a number.
 */
export function effectivePort(
  app: AppName,
  name: string,
  env: ReadonlyMap<string, string>,
): number {
  const raw = env.get(name) ?? schemaEnvDefault(app, name);
  const port = Number(raw);
  if (raw === undefined || !Number.isInteger(port)) {
    throw new Error(`${app}: no port in ${name} (set: ${String(env.get(name))}, no default found)`);
  }
  return port;
}

/** Quoted strings inside a decorator's parentheses: `@Get(['a', 'b'])` → a, b; `@Get()` → ''. */
function decoratorPaths(args: string): string[] {
  const paths = [...args.matchAll(/(['"`])([^'"`]*)\1/g)].map((match) => match[2] ?? '');
  return paths.length > 0 ? paths : [''];
}

function joinRoute(prefix: string, path: string): string {
  const parts = [prefix, path].flatMap((part) => part.split('/')).filter((part) => part.length > 0);
  return `/${parts.join('/')}`;
}

/**
 * GET routes in one controller source: `@Controller('health')` with
 * `@Get('live')` → `/health/live`. One controller class per file, as in the apps.
 */
export function getRoutesInControllerSource(source: string): string[] {
  const controller = /@Controller\(([^)]*)\)/.exec(source);
  if (!controller) return [];
  const prefixes = decoratorPaths(controller[1] ?? '');
  return [...source.matchAll(/@Get\(([^)]*)\)/g)].flatMap((get) =>
    prefixes.flatMap((prefix) =>
      decoratorPaths(get[1] ?? '').map((path) => joinRoute(prefix, path)),
    ),
  );
}

/** Every GET route of an app, from `apps/<app>/src/**\/*.controller.ts`. */
export function appGetRoutes(app: AppName): Set<string> {
  const controllers = listFiles(repoPath('apps', app, 'src'), (name) =>
    name.endsWith('.controller.ts'),
  );
  const routes = controllers.flatMap((file) =>
    getRoutesInControllerSource(readFileSync(file, 'utf8')),
  );
  if (routes.length === 0) throw new Error(`no GET route found in ${app}'s controllers`);
  return new Set(routes);
}

/** The health routes every probe and healthcheck must be one of. */
export const PROBE_ROUTES = { live: '/health/live', ready: '/health/ready' } as const;

/**
 * How long a SIGTERM'd app may take before it exits 1 anyway: the default of
 * `exitOnShutdownSignals(app, timeoutMs = …)` in server-core. It bounds the
 * drain delay plus the in-flight requests, so grace periods must exceed it.
 */
export function shutdownHardTimeoutMs(): number {
  const file = 'libs/server-core/src/lib/lifecycle/shutdown-signals.ts';
  const match = /timeoutMs\s*=\s*([\d_]+)/.exec(readRepoFile(file));
  if (!match?.[1]) throw new Error(`no \`timeoutMs = <number>\` default found in ${file}`);
  return Number(match[1].replace(/_/g, ''));
}

/** For messages: `gateway.config.ts` rather than an absolute path. */
export function schemaFileNames(app: AppName): string {
  return schemaFiles(app)
    .map((file) => basename(file))
    .join(', ');
}
