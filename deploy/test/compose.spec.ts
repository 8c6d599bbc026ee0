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

  it('runs a gateway and two predictors', () => {
    expect(project.services.map((service) => [service.name, service.app])).toEqual([
      ['predictor-1', 'predictor'],
      ['predictor-2', 'predictor'],
      ['gateway', 'gateway'],
    ]);
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
