/**
 * Rule 2 (env): every environment variable the packaging sets — Kubernetes
 * manifests (env, and the keys of ConfigMaps/Secrets read with envFrom), the
 * mTLS component, compose.yaml and the Dockerfiles' runtime ENV — is one the
 * app that receives it declares in its config schema. An unknown name is a
 * typo or a variable of the other app, and the app would silently run on its
 * default instead.
 *
 * The allowed names are read from the schema sources
 * (apps/<app>/src/config/*.config.ts, property declarations matching
 * /^\s+([A-Z][A-Z0-9_]+)[?!]?:/), not imported: tooling may not import app
 * code (Nx module boundaries), and reading the source keeps this list in step
 * with the schemas without a copy to maintain. NODE_ENV is always allowed.
 */
import { join } from 'node:path';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { envTableRows, schemaEnvNames } from './support/app-facts';
import { composeEnvSettings, loadCompose } from './support/compose';
import { dockerfileEnvSettings } from './support/dockerfile';
import type { EnvSetting } from './support/env-rules';
import { pendingInSchemaProblems, unknownEnvProblems } from './support/env-rules';
import {
  K8S_DIR,
  loadExamples,
  loadKustomization,
  loadResources,
  loadYamlFile,
} from './support/k8s';
import { appOfImage, containerEnv, ofKind, workloads } from './support/k8s-rules';
import type { AppName } from './support/repo';
import { APPS, readRepoFile } from './support/repo';

/**
 * Variables that other issues add to the apps' schemas (README, "Configuration") and that
 * the packaging may already set or document. Remove each entry in the change
 * that adds it to a schema: the spec below fails while an entry is also
 * declared by a schema, so this list only shrinks.
 */
const PENDING_ENV: ReadonlySet<string> = new Set([]);

const known: Record<AppName, ReadonlySet<string>> = {
  gateway: schemaEnvNames('gateway'),
  predictor: schemaEnvNames('predictor'),
};

const resources = loadResources(loadKustomization(K8S_DIR));
const examples = loadExamples();
const baseWorkloads = workloads(resources);

/** Env names per container of the base manifests, with where each comes from. */
function k8sSettings(): EnvSetting[] {
  return baseWorkloads.flatMap((workload) =>
    (workload.template.spec?.containers ?? []).flatMap((container) => {
      const app = appOfImage(container.image);
      if (!app) throw new Error(`${workload.file}: container ${container.name} runs neither app`);
      const env = containerEnv(container, [...resources, ...examples]);
      return [...env.sources].map(([name, where]) => ({ app, name, where }));
    }),
  );
}

/** Env names the mTLS component's patches add; the app is the patched container's. */
function componentSettings(): EnvSetting[] {
  const dir = join(K8S_DIR, 'components', 'mtls');
  const patches = loadKustomization(dir).patches.flatMap((patch) => loadYamlFile(join(dir, patch)));
  return workloads(patches).flatMap((patch) =>
    (patch.template.spec?.containers ?? []).flatMap((container) => {
      const target = baseWorkloads.find(
        (workload) => workload.kind === patch.kind && workload.name === patch.name,
      );
      const image = target?.template.spec?.containers.find(
        (candidate) => candidate.name === container.name,
      )?.image;
      const app = appOfImage(image);
      if (!app) throw new Error(`${patch.file}: patches no container of ours`);
      return (container.env ?? []).map((variable) => ({
        app,
        name: variable.name,
        where: patch.file,
      }));
    }),
  );
}

function dockerfileSettings(): EnvSetting[] {
  return APPS.flatMap((app) => {
    const file = `apps/${app}/Dockerfile`;
    return dockerfileEnvSettings(readRepoFile(file), app, file);
  });
}

describe('the apps config schemas, as read from their source', () => {
  it('declare the documented variables and nothing that is not an env name', () => {
    expect([...known.gateway]).toEqual(
      expect.arrayContaining(['GATEWAY_PORT', 'PREDICTOR_ENDPOINTS', 'SHUTDOWN_DRAIN_MS']),
    );
    expect([...known.predictor]).toEqual(
      expect.arrayContaining(['PREDICTOR_TCP_PORT', 'PREDICTOR_HTTP_PORT', 'MODEL_PATH']),
    );
    for (const names of Object.values(known))
      for (const name of names) expect(name).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });

  it("are read from the generated table's rows only (not header, prose or other tables)", () => {
    const readme = [
      '| variable | app | default | what it is |',
      '| `BEFORE_TABLE` | gateway | `1` | outside the markers |',
      '<!-- env-table:start (generated) -->',
      '| variable | app | default | what it is |',
      '|---|---|---|---|',
      '| `SOME_PORT` | gateway | `8000` | a port (integer, 0–65535) |',
      '| `OPTIONAL_PATH` | predictor | unset | a path |',
      '| `SHARED` | both | `64` (64 B) | both apps read it |',
      '<!-- env-table:end -->',
      '| `AFTER_TABLE` | both | `2` | outside the markers |',
    ].join('\n');
    expect(envTableRows(readme)).toEqual([
      { name: 'SOME_PORT', app: 'gateway', default: '8000' },
      { name: 'OPTIONAL_PATH', app: 'predictor', default: undefined },
      { name: 'SHARED', app: 'both', default: '64' },
    ]);
    expect(() => envTableRows('no table')).toThrow('no generated environment table');
  });
});

describe('PENDING_ENV', () => {
  it('holds no name that a schema already declares (remove entries as their schemas land)', () => {
    expect(pendingInSchemaProblems(PENDING_ENV, known)).toEqual([]);
  });

  it('would fail once a schema declares one of its names', () => {
    // A synthetic pending name, so this check outlives the real list emptying.
    const pending = new Set([...PENDING_ENV, 'SOME_FUTURE_KNOB']);
    const landed = { ...known, gateway: new Set([...known.gateway, 'SOME_FUTURE_KNOB']) };
    expect(pendingInSchemaProblems(pending, landed)).toEqual([
      'SOME_FUTURE_KNOB is now declared by the gateway config schema: remove it from PENDING_ENV',
    ]);
  });
});

describe('every variable set is known to the app that reads it', () => {
  it('deploy/k8s (env and envFrom ConfigMaps/Secrets)', () => {
    const settings = k8sSettings();
    expect(settings.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['GATEWAY_PORT', 'PREDICTOR_TCP_HOST', 'API_KEYS']),
    );
    expect(unknownEnvProblems(settings, known, PENDING_ENV)).toEqual([]);
  });

  it('deploy/k8s/components/mtls', () => {
    const settings = componentSettings();
    expect(settings).toHaveLength(6);
    expect(unknownEnvProblems(settings, known, PENDING_ENV)).toEqual([]);
  });

  it('compose.yaml', () => {
    const settings = composeEnvSettings(loadCompose());
    expect(settings.length).toBeGreaterThan(0);
    expect(unknownEnvProblems(settings, known, PENDING_ENV)).toEqual([]);
  });

  it('the Dockerfiles (runtime stage ENV)', () => {
    const settings = dockerfileSettings();
    expect(settings.map(({ name }) => name)).toContain('NODE_ENV');
    expect(unknownEnvProblems(settings, known, PENDING_ENV)).toEqual([]);
  });

  it('reports a misspelt name and a name of the other app', () => {
    const settings: EnvSetting[] = [
      { app: 'gateway', name: 'GATEWAY_PROT', where: 'test' },
      { app: 'gateway', name: 'PREDICTOR_TCP_HOST', where: 'test' },
      { app: 'predictor', name: 'NODE_ENV', where: 'test' },
      { app: 'predictor', name: 'RPC_TLS_CA', where: 'test' },
    ];
    expect(unknownEnvProblems(settings, known, PENDING_ENV)).toEqual([
      'GATEWAY_PROT (test) is not in the gateway config schema',
      'PREDICTOR_TCP_HOST (test) is not in the gateway config schema',
    ]);
  });
});

describe('env sources in deploy/k8s', () => {
  it('every envFrom and key reference resolves (or is optional)', () => {
    const problems = baseWorkloads.flatMap((workload) =>
      (workload.template.spec?.containers ?? []).flatMap(
        (container) => containerEnv(container, [...resources, ...examples]).problems,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('reports a key reference to nothing, unless it is optional', () => {
    const container = {
      name: 'c',
      env: [
        {
          name: 'INPUT_LOG_DATABASE_URL',
          valueFrom: { secretKeyRef: { name: 'gateway-database', key: 'nope' } },
        },
        {
          name: 'GATEWAY_INSTANCE_ID',
          valueFrom: { configMapKeyRef: { name: 'absent', key: 'id', optional: true } },
        },
      ],
    };
    expect(containerEnv(container, [...resources, ...examples]).problems).toEqual([
      'container c: env INPUT_LOG_DATABASE_URL reads Secret gateway-database key nope, which is not defined',
    ]);
  });

  it('every ConfigMap is read by some container (an unread one would configure nothing)', () => {
    const read = new Set(
      baseWorkloads.flatMap((workload) =>
        (workload.template.spec?.containers ?? []).flatMap((container) =>
          (container.envFrom ?? []).flatMap((source) =>
            source.configMapRef ? [source.configMapRef.name] : [],
          ),
        ),
      ),
    );
    const unread = ofKind<IConfigMap>(resources, 'ConfigMap')
      .map((map) => map.metadata?.name)
      .filter((name) => !read.has(name));
    expect(unread).toEqual([]);
  });
});
