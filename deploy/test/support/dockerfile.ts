/**
 * Dockerfile checks: the generic linter behind VS Code's Dockerfile support
 * (dockerfile-utils, on the dockerfile-ast parser), then this project's rules.
 */
import { Copy, DockerfileParser, Env } from 'dockerfile-ast';
import type { Instruction } from 'dockerfile-ast';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import type { ValidatorSettings } from 'dockerfile-utils';
import { PORT_ENV, PROBE_ROUTES, effectivePort } from './app-facts';
import type { EnvSetting } from './env-rules';
import type { AppName } from './repo';

/** Every configurable check at error level: the defaults leave some as warnings or off. */
const STRICT: Required<ValidatorSettings> = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

/** Linter diagnostics as `line N: message`; empty when clean. */
export function lintDockerfile(content: string): string[] {
  return validate(content, STRICT).map((diagnostic) => {
    const message =
      typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    return `line ${diagnostic.range.start.line + 1}: ${message}`;
  });
}

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

/** Resolves `${NAME}` / `$NAME` from the ARGs declared before the first FROM. */
function expandGlobalArgs(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
    (whole, name: string) => args.get(name) ?? whole,
  );
}

/** Build stages in order, with the instructions that follow each FROM. */
export function stages(content: string): Stage[] {
  const dockerfile = DockerfileParser.parse(content);
  const globalArgs = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    for (const property of arg.getProperties())
      globalArgs.set(property.getName(), property.getValue() ?? '');
  }
  const result: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const [image = '', as, name] = (instruction.getArgumentsContent() ?? '').split(/\s+/);
      result.push({
        name: as?.toUpperCase() === 'AS' && name ? name : null,
        image: expandGlobalArgs(image, globalArgs),
        instructions: [],
      });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

function args(instruction: Instruction): string {
  return instruction.getArgumentsContent() ?? '';
}

function ofKeyword(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
}

/** `ENV A=1 B=2` / `ENV A 1` of the final stage: the image's runtime env (build stages do not reach it). */
export function finalStageEnv(content: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of stages(content).at(-1)?.instructions ?? []) {
    if (!(instruction instanceof Env)) continue;
    for (const property of instruction.getProperties())
      env.set(property.getName(), property.getValue() ?? '');
  }
  return env;
}

export function dockerfileEnvSettings(content: string, app: AppName, file: string): EnvSetting[] {
  return [...finalStageEnv(content).keys()].map((name) => ({ app, name, where: `${file} (ENV)` }));
}

/** A JSON (exec form) array, or undefined for shell form. */
function execForm(instruction: Instruction): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args(instruction));
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

/** The final stage's CMD as an exec-form array, or undefined when it has none or uses shell form. */
export function finalCommand(content: string): string[] | undefined {
  const final = stages(content).at(-1);
  const cmd = final ? ofKeyword(final, 'CMD').at(-1) : undefined;
  return cmd ? execForm(cmd) : undefined;
}

/** The Debian packages the final stage installs with `apt-get install` (the image's runtime libraries). */
export function finalStageAptPackages(content: string): string[] {
  const final = stages(content).at(-1);
  return (final ? ofKeyword(final, 'RUN').map(args) : []).flatMap((run) =>
    [...run.matchAll(/apt-get install((?:\s+(?:-\S+|[a-z0-9][a-z0-9.+-]*))+)/g)].flatMap((m) =>
      (m[1] ?? '').split(/\s+/).filter((word) => word !== '' && !word.startsWith('-')),
    ),
  );
}

/**
 * This project's image rules:
 * - multi-stage: a build stage runs `npm ci` (the lockfile, never `npm install`)
 *   and `nx build <app>`; the final stage copies the bundle from it;
 * - the final stage installs production dependencies only (`npm ci --omit=dev`),
 *   sets NODE_ENV=production, runs as a non-root USER, EXPOSEs the app's ports,
 *   has a HEALTHCHECK on a real health route and port, and starts node in exec
 *   form (so node, as PID 1, receives SIGTERM and drains);
 * - every base image names a tag other than `latest`.
 */
export function dockerfileRules(
  content: string,
  app: AppName,
  routes: ReadonlySet<string>,
): string[] {
  const all = stages(content);
  const problems: string[] = [];
  const final = all.at(-1);
  if (all.length < 2 || !final)
    return ['must be a multi-stage build (build stage + runtime stage)'];
  const builders = all.slice(0, -1);

  for (const stage of all) {
    const tag = /:([^/:@]+)$/.exec(stage.image)?.[1];
    if (stage.image.includes('@sha256:')) continue;
    if (!tag) problems.push(`FROM ${stage.image}: no tag (means latest)`);
    else if (tag === 'latest') problems.push(`FROM ${stage.image}: uses the latest tag`);
  }

  const runs = (stage: Stage) => ofKeyword(stage, 'RUN').map(args);
  const builderRuns = builders.flatMap(runs);
  if (builderRuns.some((run) => /\bnpm\s+(install|i)\b/.test(run)))
    problems.push('build stage uses npm install, not npm ci');
  if (!builderRuns.some((run) => /\bnpm\s+ci\b/.test(run)))
    problems.push('build stage does not run npm ci');
  if (!builderRuns.some((run) => new RegExp(`\\bnx\\s+build\\s+${app}\\b`).test(run))) {
    problems.push(`build stage does not run nx build ${app}`);
  }

  const finalRuns = runs(final);
  if (finalRuns.some((run) => /\bnpm\s+(install|i)\b/.test(run)))
    problems.push('final stage uses npm install, not npm ci');
  if (!finalRuns.some((run) => /\bnpm\s+ci\b.*--omit=dev\b/.test(run)))
    problems.push('final stage does not run npm ci --omit=dev');
  const copiesBundle = ofKeyword(final, 'COPY').some((copy) => {
    // Flags are not part of the arguments content: read --from from the parser.
    const from = copy instanceof Copy ? copy.getFromFlag()?.getValue() : undefined;
    return (
      from !== undefined &&
      builders.some((stage) => stage.name === from) &&
      args(copy).includes(`dist/apps/${app}`)
    );
  });
  if (!copiesBundle)
    problems.push(`final stage does not COPY --from=<build stage> dist/apps/${app}`);

  const env = finalStageEnv(content);
  if (env.get('NODE_ENV') !== 'production')
    problems.push('final stage does not set ENV NODE_ENV=production');

  const user = ofKeyword(final, 'USER').at(-1);
  const userName = user ? args(user).split(':')[0] : undefined;
  if (!userName) problems.push('final stage has no USER (would run as root)');
  else if (userName === 'root' || userName === '0')
    problems.push(`final stage USER ${userName} is root`);

  const httpPort = effectivePort(app, PORT_ENV[app].http, env);
  const ports = [
    httpPort,
    ...(PORT_ENV[app].rpc ? [effectivePort(app, PORT_ENV[app].rpc, env)] : []),
  ];
  const exposed = ofKeyword(final, 'EXPOSE').flatMap((expose) =>
    args(expose)
      .split(/\s+/)
      .map((port) => Number(port.split('/')[0])),
  );
  for (const port of ports)
    if (!exposed.includes(port)) problems.push(`final stage does not EXPOSE ${port}`);

  const healthcheck = ofKeyword(final, 'HEALTHCHECK').at(-1);
  if (!healthcheck || /^NONE\b/i.test(args(healthcheck)))
    problems.push('final stage has no HEALTHCHECK');
  else problems.push(...healthcheckUrlProblems(args(healthcheck), httpPort, routes));

  const entrypoint = ofKeyword(final, 'ENTRYPOINT').at(-1);
  const command = finalCommand(content);
  if (entrypoint)
    problems.push('final stage sets ENTRYPOINT; the apps expect CMD ["node", "main.js"]');
  if (!command)
    problems.push(
      'final stage CMD must be exec form (JSON array): shell form puts /bin/sh in front of node and SIGTERM never reaches it',
    );
  else if (command[0] !== 'node')
    problems.push(`final stage CMD starts ${String(command[0])}, not node`);
  return problems;
}

/**
 * A healthcheck command (Dockerfile or compose) fetches
 * `http://127.0.0.1:<port><path>`: the app's HTTP port and one of its health routes.
 */
export function healthcheckUrlProblems(
  command: string,
  httpPort: number,
  routes: ReadonlySet<string>,
): string[] {
  const urls = [...command.matchAll(/https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[^'"\s)]*)/g)];
  if (urls.length === 0)
    return [`healthcheck ${command} fetches no http://127.0.0.1:<port>/<path>`];
  return urls.flatMap(([url, port, path]) => {
    const problems: string[] = [];
    if (Number(port) !== httpPort)
      problems.push(`healthcheck ${url}: port ${String(port)} is not the HTTP port ${httpPort}`);
    if (path !== PROBE_ROUTES.live && path !== PROBE_ROUTES.ready) {
      problems.push(
        `healthcheck ${url}: ${String(path)} is not ${PROBE_ROUTES.live} or ${PROBE_ROUTES.ready}`,
      );
    } else if (!routes.has(path))
      problems.push(`healthcheck ${url}: ${path} is not a GET route of the app`);
    return problems;
  });
}

/** Entries a root .dockerignore must have so that `COPY . .` stays small and secret-free. */
export const REQUIRED_DOCKERIGNORE = [
  'node_modules',
  'dist',
  'tmp',
  '.nx',
  'data',
  'coverage',
  '.git',
  '.env',
  '.env.*',
];

export function dockerignoreProblems(content: string): string[] {
  const entries = new Set(
    content
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('#')),
  );
  return REQUIRED_DOCKERIGNORE.filter((entry) => !entries.has(entry)).map(
    (entry) => `.dockerignore lacks ${entry}`,
  );
}
