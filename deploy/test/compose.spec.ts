/**
 * compose.yaml: the local stack (one gateway, two predictors) follows the
 * same rules as the cluster manifests: see composeRules. Compose itself is not
 * run here (no Docker engine in CI); the file is read as Compose reads it,
 * with YAML merge keys and aliases resolved.
 */
import { appGetRoutes, shutdownHardTimeoutMs } from './support/app-facts';
import type { ComposeFacts } from './support/compose';
import {
  composeDurationMs,
  composeEnvironment,
  composeRules,
  loadCompose,
  parseCompose,
} from './support/compose';
import { readRepoFile } from './support/repo';

const facts: ComposeFacts = {
  routes: { gateway: appGetRoutes('gateway'), predictor: appGetRoutes('predictor') },
  hardShutdownTimeoutMs: shutdownHardTimeoutMs(),
};

describe('compose.yaml', () => {
  const project = loadCompose();

  it('runs a gateway, two predictors and PostgreSQL', () => {
    expect(project.services.map((service) => [service.name, service.app])).toEqual([
      ['predictor-1', 'predictor'],
      ['predictor-2', 'predictor'],
      ['gateway', 'gateway'],
      ['postgres', undefined],
    ]);
    expect(project.services.find((service) => service.name === 'postgres')?.raw['image']).toMatch(
      /^postgres:\d/,
    );
  });

  it('follows the project rules', () => {
    expect(composeRules(project, facts)).toEqual([]);
  });

  it('binds the predictors to every interface and points the gateway at both', () => {
    const predictor = project.services.find((service) => service.name === 'predictor-2');
    expect(predictor?.environment.get('PREDICTOR_TCP_HOST')).toBe('0.0.0.0');
    const gateway = project.services.find((service) => service.name === 'gateway');
    expect(gateway?.environment.get('PREDICTOR_ENDPOINTS')).toBe(
      'predictor-1:8877,predictor-2:8877',
    );
    expect(gateway?.environment.get('INPUT_LOG_DIR')).toBe('/data/input-log');
  });

  it('ships the input log into the PostgreSQL service, once it is healthy', () => {
    const gateway = project.services.find((service) => service.name === 'gateway');
    expect(gateway?.environment.get('INPUT_LOG_DATABASE_URL')).toMatch(
      /^postgres:\/\/[^@]+@postgres:5432\//,
    );
    expect(gateway?.raw['depends_on']).toMatchObject({
      postgres: { condition: 'service_healthy' },
    });
  });
});

describe('the compose rules catch a broken file', () => {
  it('no healthcheck, a started-only dependency, a missing endpoint, root fs writable, short grace, latest', () => {
    const broken = readRepoFile('compose.yaml')
      .replace('condition: service_healthy', 'condition: service_started')
      .replace(
        'PREDICTOR_ENDPOINTS: predictor-1:8877,predictor-2:8877',
        'PREDICTOR_ENDPOINTS: predictor-1:8877',
      )
      .replace('image: ml-system/gateway:local', 'image: ml-system/gateway:latest')
      .replace(/\n {4}healthcheck:\n(?: {6}.*\n)+/, '\n')
      .replace('read_only: true', 'read_only: false')
      .replace('stop_grace_period: 30s', 'stop_grace_period: 10s');
    const problems = composeRules(parseCompose(broken), facts);
    expect(problems).toEqual(
      expect.arrayContaining([
        'service gateway: image ml-system/gateway:latest must name a tag other than latest',
        'service gateway: no healthcheck',
        'service gateway: read_only must be true',
        "service gateway: stop_grace_period must exceed the apps' hard shutdown timeout (15000 ms)",
        'service gateway: must depend on predictor-1 with condition service_healthy',
        'service gateway: PREDICTOR_ENDPOINTS lacks predictor-2:8877',
      ]),
    );
  });

  it('a healthcheck on the wrong port and the input log outside a named volume', () => {
    const broken = readRepoFile('compose.yaml')
      .replace(
        "fetch('http://127.0.0.1:8001/health/ready')",
        "fetch('http://127.0.0.1:8000/health/ready')",
      )
      .replace('- input-log:/data/input-log', '- ./data:/data/input-log');
    expect(composeRules(parseCompose(broken), facts)).toEqual([
      'service predictor-1: healthcheck http://127.0.0.1:8000/health/ready: port 8000 is not the HTTP port 8001',
      'service predictor-2: healthcheck http://127.0.0.1:8000/health/ready: port 8000 is not the HTTP port 8001',
      'service gateway: INPUT_LOG_DIR /data/input-log is not a named volume declared under volumes:',
    ]);
  });

  it('a database without its volume or readiness check, a gateway pointed elsewhere or started too soon', () => {
    const broken = readRepoFile('compose.yaml')
      .replace('- input-log-db:/var/lib/postgresql/data', '- ./pg:/var/lib/postgresql/data')
      .replace("test: ['CMD', 'pg_isready',", "test: ['CMD', 'true',")
      .replace('image: postgres:17.7', 'image: postgres:latest')
      .replace('@postgres:5432/ml', '@localhost:5432/ml')
      .replace(/\n {6}postgres:\n {8}condition: service_healthy/, '')
      .replace(/\n {6}GATEWAY_INSTANCE_ID: .*/, '');
    expect(composeRules(parseCompose(broken), facts)).toEqual([
      'service postgres: image postgres:latest must name a tag other than latest',
      'service postgres: healthcheck must run pg_isready',
      'service postgres: /var/lib/postgresql/data is not on a named volume declared under volumes:',
      'service gateway: INPUT_LOG_DATABASE_URL must point at postgres:5432',
      'service gateway: must depend on postgres with condition service_healthy',
      "service gateway: GATEWAY_INSTANCE_ID must be set (the container's host name is not stable)",
    ]);
  });

  it('reads both environment forms and Compose durations', () => {
    expect([...composeEnvironment(['A=1', 'B=x=y', 'C'])]).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['C', ''],
    ]);
    expect([...composeEnvironment({ A: 1, B: null })]).toEqual([
      ['A', '1'],
      ['B', ''],
    ]);
    expect(composeDurationMs('1m30s')).toBe(90_000);
    expect(composeDurationMs('500ms')).toBe(500);
    expect(composeDurationMs('soon')).toBeUndefined();
  });
});
