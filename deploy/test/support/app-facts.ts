/**
 * Facts about the apps, read as text.
 *
 * The deploy project is tooling (tags type:tools): Nx module boundaries forbid
 * it to import app code. Env names and defaults come from the README's
 * environment table, which `npx nx run tools:env-table` generates from the
 * config schema classes (and a drift test keeps true); the controllers are
 * written in a regular style, so anchored regular expressions read the GET
 * routes and the hard shutdown timeout. Each reader fails loudly when it finds nothing, so a
 * change of style breaks these specs instead of silently allowing everything.
 */
import { readFileSync } from 'node:fs';
import type { AppName } from './repo';
import { listFiles, readRepoFile, repoPath } from './repo';

/** The README's generated environment table sits between these (`npx nx run tools:env-table`). */
const TABLE_START = '<!-- env-table:start';
const TABLE_END = '<!-- env-table:end -->';

export interface EnvTableRow {
  readonly name: string;
  /** `gateway`, `predictor` or `both`. */
  readonly app: string;
  /** The environment string that gives the default, when the default cell starts with one. */
  readonly default: string | undefined;
}

/**
 * The rows of the generated table in a README text: `| \`NAME\` | app | default | … |`.
 * Header, separator and prose around the markers are not rows.
 */
export function envTableRows(readme: string): EnvTableRow[] {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md has no generated environment table');
  return readme
    .slice(start, end)
    .split('\n')
    .flatMap((line) => {
      const row = /^\| `([A-Z][A-Z0-9_]+)` \| (gateway|predictor|both) \| ([^|]*) \|/.exec(line);
      if (!row) return [];
      const literal = /^`([^`]*)`/.exec(row[3] ?? '');
      return [{ name: row[1] ?? '', app: row[2] ?? '', default: literal?.[1] }];
    });
}

/** The README's environment table, generated from the apps' config schema classes. */
export function schemaEnvRows(app: AppName): EnvTableRow[] {
  const rows = envTableRows(readRepoFile('README.md')).filter(
    (row) => row.app === app || row.app === 'both',
  );
  if (rows.length === 0)
    throw new Error(
      `no ${app} variable in README's environment table: run npx nx run tools:env-table`,
    );
  return rows;
}

/** Every env name the app's config schemas declare. */
export function schemaEnvNames(app: AppName): Set<string> {
  return new Set(schemaEnvRows(app).map((row) => row.name));
}

/** The default of one variable, as the environment string that would produce it. */
export function schemaEnvDefault(app: AppName, name: string): string | undefined {
  return schemaEnvRows(app).find((row) => row.name === name)?.default;
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
