/**
 * Reading compose.yaml: services with their environment normalised, the way
 * Compose itself would see them (merge keys `<<` and aliases resolved).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PORT_ENV, effectivePort } from './app-facts';
import { healthcheckUrlProblems } from './dockerfile';
import type { EnvSetting } from './env-rules';
import type { AppName } from './repo';
import { isAppName, isRecord, repoPath } from './repo';

export const COMPOSE_FILE = 'compose.yaml';

export interface ComposeService {
  name: string;
  /** Which app the service runs, from its Dockerfile or image name. */
  app: AppName | undefined;
  raw: Record<string, unknown>;
  environment: Map<string, string>;
}

export interface ComposeProject {
  raw: Record<string, unknown>;
  services: ComposeService[];
  volumes: string[];
}

/** `environment` as a map or as a `KEY=value` list; Compose accepts both. */
export function composeEnvironment(value: unknown): Map<string, string> {
  const env = new Map<string, string>();
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== 'string')
        throw new Error(`environment entry ${JSON.stringify(item)} is not KEY=value`);
      const [name = '', ...rest] = item.split('=');
      env.set(name, rest.join('='));
    }
  } else if (isRecord(value)) {
    for (const [name, item] of Object.entries(value)) {
      // Compose turns scalars into strings and null into an empty value.
      if (item === null) env.set(name, '');
      else if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')
        env.set(name, String(item));
      else throw new Error(`environment ${name} is not a scalar`);
    }
  }
  return env;
}

/** `apps/<app>/Dockerfile` or an image `…/<app>:tag`. */
function appOfService(raw: Record<string, unknown>): AppName | undefined {
  const build = raw['build'];
  const dockerfile = isRecord(build) ? build['dockerfile'] : undefined;
  const fromDockerfile =
    typeof dockerfile === 'string'
      ? /^apps\/([^/]+)\/Dockerfile$/.exec(dockerfile)?.[1]
      : undefined;
  const image = typeof raw['image'] === 'string' ? raw['image'] : '';
  const fromImage = image.split(':')[0]?.split('/').pop();
  const candidate = fromDockerfile ?? fromImage ?? '';
  return isAppName(candidate) ? candidate : undefined;
}

/** Parses the text of a compose file. */
export function parseCompose(text: string): ComposeProject {
  // Compose resolves `<<` merge keys; the yaml package does so only when asked.
  const raw: unknown = parse(text, { merge: true, uniqueKeys: true });
  if (!isRecord(raw) || !isRecord(raw['services']))
    throw new Error('compose file without services');
  const services = Object.entries(raw['services']).map(([name, service]): ComposeService => {
    if (!isRecord(service)) throw new Error(`compose service ${name} is not a mapping`);
    return {
      name,
      app: appOfService(service),
      raw: service,
      environment: composeEnvironment(service['environment']),
    };
  });
  const volumes = isRecord(raw['volumes']) ? Object.keys(raw['volumes']) : [];
  return { raw, services, volumes };
}

export function loadCompose(): ComposeProject {
  return parseCompose(readFileSync(repoPath(COMPOSE_FILE), 'utf8'));
}

export function composeEnvSettings(project: ComposeProject): EnvSetting[] {
  return project.services.flatMap((service) =>
    service.app
      ? [...service.environment.keys()].map((name) => ({
          app: service.app as AppName,
          name,
          where: `${COMPOSE_FILE} service ${service.name}`,
        }))
      : [],
  );
}

/** `30s`, `1m30s`, `500ms` → milliseconds (Compose durations). */
export function composeDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value) return undefined;
  return parts.reduce((total, part) => total + Number(part[1]) * (units[part[2] ?? ''] ?? NaN), 0);
}

export interface ComposeFacts {
  routes: Record<AppName, ReadonlySet<string>>;
  hardShutdownTimeoutMs: number;
}

function healthcheckCommand(service: ComposeService): string | undefined {
  const healthcheck = service.raw['healthcheck'];
  if (!isRecord(healthcheck) || healthcheck['disable'] === true) return undefined;
  const test = healthcheck['test'];
  return Array.isArray(test)
    ? test.map(String).join(' ')
    : typeof test === 'string'
      ? test
      : undefined;
}

/** The official PostgreSQL image, `postgres:<tag>` (Docker Hub's library/postgres). */
function isPostgres(service: ComposeService): boolean {
  const image = typeof service.raw['image'] === 'string' ? service.raw['image'] : '';
  return /^(?:(?:docker\.io\/)?library\/)?postgres(?::|$)/.test(image);
}

/** Where the official image keeps its data unless PGDATA says otherwise (up to major version 17). */
const POSTGRES_DATA = '/var/lib/postgresql/data';

/**
 * A PostgreSQL service: the official image with a tag, a readiness
 * healthcheck (pg_isready), its data on a named volume, a password.
 */
function postgresRules(service: ComposeService, project: ComposeProject): string[] {
  const at = `service ${service.name}`;
  const problems: string[] = [];
  const image = String(service.raw['image']);
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (!tag || tag === 'latest')
    problems.push(`${at}: image ${image} must name a tag other than latest`);
  const command = healthcheckCommand(service);
  if (!command?.includes('pg_isready')) problems.push(`${at}: healthcheck must run pg_isready`);
  if (!service.environment.get('POSTGRES_PASSWORD'))
    problems.push(`${at}: POSTGRES_PASSWORD must be set (the image refuses to start without it)`);
  const data = service.environment.get('PGDATA') ?? POSTGRES_DATA;
  const volumes = Array.isArray(service.raw['volumes']) ? service.raw['volumes'].map(String) : [];
  const onVolume = volumes.some((volume) => {
    const [source = '', target = ''] = volume.split(':');
    return project.volumes.includes(source) && (data === target || data.startsWith(`${target}/`));
  });
  if (!onVolume) problems.push(`${at}: ${data} is not on a named volume declared under volumes:`);
  return problems;
}

/**
 * With a PostgreSQL service, the gateway ships its input log into it: its
 * INPUT_LOG_DATABASE_URL names that service (on its port, with the user and
 * database the service creates), it starts once the database is healthy, and
 * GATEWAY_INSTANCE_ID is fixed (a container's host name changes when it is
 * recreated, and the shipper's position is kept under that name).
 */
function gatewayDatabaseRules(gateway: ComposeService, postgres: ComposeService): string[] {
  const at = `service ${gateway.name}`;
  const problems: string[] = [];
  const text = gateway.environment.get('INPUT_LOG_DATABASE_URL');
  let url: URL | undefined;
  try {
    url = text ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol))
    problems.push(`${at}: INPUT_LOG_DATABASE_URL must be a postgres:// URL of ${postgres.name}`);
  else {
    const user = postgres.environment.get('POSTGRES_USER') ?? 'postgres';
    const database = postgres.environment.get('POSTGRES_DB') ?? user;
    if (url.hostname !== postgres.name || (url.port || '5432') !== '5432')
      problems.push(`${at}: INPUT_LOG_DATABASE_URL must point at ${postgres.name}:5432`);
    if (decodeURIComponent(url.username) !== user)
      problems.push(`${at}: INPUT_LOG_DATABASE_URL user must be ${user}`);
    if (decodeURIComponent(url.password) !== (postgres.environment.get('POSTGRES_PASSWORD') ?? ''))
      problems.push(`${at}: INPUT_LOG_DATABASE_URL password is not ${postgres.name}'s`);
    if (url.pathname !== `/${database}`)
      problems.push(`${at}: INPUT_LOG_DATABASE_URL database must be ${database}`);
  }
  const dependsOn = gateway.raw['depends_on'];
  const condition = isRecord(dependsOn) ? dependsOn[postgres.name] : undefined;
  if (!isRecord(condition) || condition['condition'] !== 'service_healthy')
    problems.push(`${at}: must depend on ${postgres.name} with condition service_healthy`);
  if (!gateway.environment.get('GATEWAY_INSTANCE_ID'))
    problems.push(
      `${at}: GATEWAY_INSTANCE_ID must be set (the container's host name is not stable)`,
    );
  return problems;
}

/**
 * The compose project's rules: one gateway and at least two predictors built
 * from the apps' Dockerfiles; healthchecks on real health routes and ports;
 * the gateway starts after healthy predictors and lists each of them in
 * PREDICTOR_ENDPOINTS on its TCP port; hardened containers (read-only root,
 * tmpfs /tmp, no capabilities, no-new-privileges); the input log on a named
 * volume; a stop grace period longer than the apps' hard shutdown timeout;
 * tagged images, never `latest`. Besides the apps, a PostgreSQL service
 * (postgresRules) that the gateway ships its input log into (gatewayDatabaseRules).
 */
export function composeRules(project: ComposeProject, facts: ComposeFacts): string[] {
  const problems: string[] = [];
  const gateways = project.services.filter((service) => service.app === 'gateway');
  const predictors = project.services.filter((service) => service.app === 'predictor');
  const databases = project.services.filter(isPostgres);
  if (gateways.length !== 1)
    problems.push(`expected one gateway service, found ${gateways.length}`);
  if (predictors.length < 2)
    problems.push(`expected at least two predictor services, found ${predictors.length}`);
  if (databases.length > 1)
    problems.push(`expected at most one PostgreSQL service, found ${databases.length}`);

  for (const service of project.services) {
    const at = `service ${service.name}`;
    if (isPostgres(service)) {
      problems.push(...postgresRules(service, project));
      continue;
    }
    if (!service.app) {
      problems.push(
        `${at}: runs neither app (build apps/<app>/Dockerfile or image ml-system/<app>) nor PostgreSQL`,
      );
      continue;
    }
    const build = service.raw['build'];
    if (
      !isRecord(build) ||
      build['context'] !== '.' ||
      build['dockerfile'] !== `apps/${service.app}/Dockerfile`
    ) {
      problems.push(
        `${at}: build must be { context: ., dockerfile: apps/${service.app}/Dockerfile }`,
      );
    }
    const image = typeof service.raw['image'] === 'string' ? service.raw['image'] : '';
    const tag = /:([^/:]+)$/.exec(image)?.[1];
    if (!tag || tag === 'latest')
      problems.push(`${at}: image ${image || '(none)'} must name a tag other than latest`);

    const command = healthcheckCommand(service);
    if (!command) problems.push(`${at}: no healthcheck`);
    else {
      const httpPort = effectivePort(service.app, PORT_ENV[service.app].http, service.environment);
      problems.push(
        ...healthcheckUrlProblems(command, httpPort, facts.routes[service.app]).map(
          (p) => `${at}: ${p}`,
        ),
      );
    }

    if (service.raw['read_only'] !== true) problems.push(`${at}: read_only must be true`);
    const tmpfs = service.raw['tmpfs'];
    const tmpfsList = Array.isArray(tmpfs)
      ? tmpfs.map(String)
      : typeof tmpfs === 'string'
        ? [tmpfs]
        : [];
    if (!tmpfsList.some((entry) => entry.split(':')[0] === '/tmp'))
      problems.push(`${at}: needs a tmpfs on /tmp`);
    const capDrop = service.raw['cap_drop'];
    if (!Array.isArray(capDrop) || !capDrop.includes('ALL'))
      problems.push(`${at}: cap_drop must include ALL`);
    const securityOpt = service.raw['security_opt'];
    if (
      !Array.isArray(securityOpt) ||
      !securityOpt.map(String).some((opt) => /^no-new-privileges(:true)?$/.test(opt))
    ) {
      problems.push(`${at}: security_opt must include no-new-privileges:true`);
    }
    const grace = composeDurationMs(service.raw['stop_grace_period']);
    if (grace === undefined || grace <= facts.hardShutdownTimeoutMs) {
      problems.push(
        `${at}: stop_grace_period must exceed the apps' hard shutdown timeout (${facts.hardShutdownTimeoutMs} ms)`,
      );
    }
  }

  for (const gateway of gateways) {
    const at = `service ${gateway.name}`;
    const dependsOn = gateway.raw['depends_on'];
    const endpoints = (gateway.environment.get('PREDICTOR_ENDPOINTS') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    for (const predictor of predictors) {
      const condition =
        isRecord(dependsOn) && isRecord(dependsOn[predictor.name])
          ? dependsOn[predictor.name]
          : undefined;
      if (!isRecord(condition) || condition['condition'] !== 'service_healthy') {
        problems.push(`${at}: must depend on ${predictor.name} with condition service_healthy`);
      }
      const expected = `${predictor.name}:${effectivePort('predictor', 'PREDICTOR_TCP_PORT', predictor.environment)}`;
      if (!endpoints.includes(expected))
        problems.push(`${at}: PREDICTOR_ENDPOINTS lacks ${expected}`);
    }
    const logDir = gateway.environment.get('INPUT_LOG_DIR');
    const volumes = Array.isArray(gateway.raw['volumes']) ? gateway.raw['volumes'].map(String) : [];
    const mounted = volumes.some((volume) => {
      const [source = '', target = ''] = volume.split(':');
      return target === logDir && project.volumes.includes(source);
    });
    if (!logDir)
      problems.push(
        `${at}: INPUT_LOG_DIR must be set (the default ./data is on the read-only root)`,
      );
    else if (!mounted)
      problems.push(`${at}: INPUT_LOG_DIR ${logDir} is not a named volume declared under volumes:`);
    const [database] = databases;
    if (database) problems.push(...gatewayDatabaseRules(gateway, database));
  }
  return problems;
}
