/**
 * Rule 1: the Kubernetes manifests are valid against the upstream OpenAPI
 * schemas (kubernetes-models 4.5.1 compiles those of Kubernetes 1.33), with
 * unknown fields rejected as `kubectl apply --validate=strict` would.
 * kustomize itself is not run here (CI has no kubectl); the kustomization is
 * read for its resource list and the mTLS component's patches are validated
 * as partial objects against the same schemas.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from './support/k8s';
import {
  K8S_DIR,
  describeManifest,
  loadExamples,
  loadKustomization,
  loadResources,
  loadYamlFile,
  schemaProblems,
} from './support/k8s';
import { imageTagProblem, workloads } from './support/k8s-rules';

const base = loadKustomization(K8S_DIR);
const resources = loadResources(base);
const examples = loadExamples();
const MTLS_DIR = join(K8S_DIR, 'components', 'mtls');
const mtls = loadKustomization(MTLS_DIR);
const mtlsPatches = mtls.patches.flatMap((patch) => loadYamlFile(join(MTLS_DIR, patch)));

const titled = (manifests: Manifest[]) =>
  manifests.map((manifest) => [describeManifest(manifest), manifest] as const);

describe('deploy/k8s/kustomization.yaml', () => {
  it('lists every manifest in the directory (templates *.example.yaml excepted)', () => {
    const files = readdirSync(K8S_DIR).filter(
      (name) =>
        name.endsWith('.yaml') && name !== 'kustomization.yaml' && !name.endsWith('.example.yaml'),
    );
    expect([...base.resources].sort()).toEqual(files.sort());
  });

  it('deploys a namespace, both apps, their Services, budgets and the predictor autoscaler', () => {
    // describeManifest: `Kind/name (file)`.
    const kinds = resources.map((manifest) => describeManifest(manifest).split(' ')[0]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/ml-system',
        'StatefulSet/gateway',
        'Service/gateway',
        'Deployment/predictor',
        'Service/predictor-headless',
        'HorizontalPodAutoscaler/predictor',
        'PodDisruptionBudget/gateway',
        'PodDisruptionBudget/predictor',
      ]),
    );
  });

  it('pins image tags (newTag), never latest', () => {
    expect(base.images.length).toBeGreaterThan(0);
    const problems = base.images.flatMap((image) =>
      imageTagProblem(
        `${image.newName ?? image.name}:${image.newTag ?? ''}`,
        `${base.path} images ${image.name}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('keeps the optional mTLS component out of the default build', () => {
    expect(base.components).toEqual([]);
    expect(mtls.kind).toBe('Component');
  });
});

describe('Kubernetes OpenAPI schemas', () => {
  it.each(titled(resources))('%s is valid', (_title, manifest) => {
    expect(schemaProblems(manifest.doc)).toEqual([]);
  });

  it.each(titled(examples))('template %s is valid', (_title, manifest) => {
    expect(schemaProblems(manifest.doc)).toEqual([]);
  });

  describe('components/mtls', () => {
    it.each(titled(mtlsPatches))('patch %s is valid as a partial object', (_title, patch) => {
      expect(schemaProblems(patch.doc, { partial: true })).toEqual([]);
    });

    it('patches only workloads and containers that exist in the base', () => {
      const base = workloads(resources);
      const problems = workloads(mtlsPatches).flatMap((patch) => {
        const target = base.find(
          (workload) => workload.kind === patch.kind && workload.name === patch.name,
        );
        if (!target) return [`${patch.file}: no ${patch.kind}/${patch.name} in the base`];
        const names = new Set(target.template.spec?.containers.map((container) => container.name));
        return (patch.template.spec?.containers ?? [])
          .filter((container) => !names.has(container.name))
          .map(
            (container) =>
              `${patch.file}: ${patch.kind}/${patch.name} has no container ${container.name}`,
          );
      });
      expect(workloads(mtlsPatches)).toHaveLength(2);
      expect(problems).toEqual([]);
    });

    it('points RPC_TLS_* at files of the mounted secret volume', () => {
      const problems = workloads(mtlsPatches).flatMap((patch) =>
        (patch.template.spec?.containers ?? []).flatMap((container) =>
          (container.env ?? [])
            .filter((variable) => variable.name.startsWith('RPC_TLS_'))
            .filter((variable) => {
              const mount = container.volumeMounts?.find((candidate) =>
                variable.value?.startsWith(`${candidate.mountPath}/`),
              );
              const volume = patch.template.spec?.volumes?.find(
                (candidate) => candidate.name === mount?.name,
              );
              return !mount?.readOnly || volume?.secret === undefined;
            })
            .map(
              (variable) =>
                `${patch.file}: ${variable.name}=${String(variable.value)} is not in a read-only secret mount`,
            ),
        ),
      );
      expect(problems).toEqual([]);
    });
  });
});

describe('the schema validator rejects broken manifests', () => {
  const predictor = resources.find(
    (manifest) =>
      manifest.doc['kind'] === 'Deployment' &&
      describeManifest(manifest).startsWith('Deployment/predictor '),
  );
  if (!predictor) throw new Error('no predictor Deployment to break');
  /** A deep copy of the real Deployment with one change applied to its first container. */
  const broken = (
    change: (container: Record<string, unknown>, doc: Record<string, unknown>) => void,
  ) => {
    const doc = structuredClone(predictor.doc);
    const container = (
      ((doc['spec'] as Record<string, unknown>)['template'] as Record<string, unknown>)['spec'] as {
        containers: Record<string, unknown>[];
      }
    ).containers[0];
    if (!container) throw new Error('no container');
    change(container, doc);
    return doc;
  };

  it('a wrong type', () => {
    const doc = broken((_container, doc) => {
      (doc['spec'] as Record<string, unknown>)['replicas'] = 'two';
    });
    expect(schemaProblems(doc)).toEqual(['/spec/replicas must be integer']);
  });

  it('a malformed quantity', () => {
    const doc = broken((container) => {
      container['resources'] = { limits: { memory: '512MB' } };
    });
    expect(schemaProblems(doc).join('\n')).toMatch(
      /resources\/limits\/memory must match format "quantity"/,
    );
  });

  it('a missing required field', () => {
    const doc = broken((container) => {
      delete container['name'];
    });
    expect(schemaProblems(doc)).toEqual([
      '/spec/template/spec/containers/0 must have required property name',
    ]);
  });

  it('a misspelt field, which plain schema validation would let through', () => {
    const doc = broken((container) => {
      container['readinesProbe'] = container['readinessProbe'];
      delete container['readinessProbe'];
    });
    expect(schemaProblems(doc)).toEqual([
      '/spec/template/spec/containers/0/readinesProbe is not a field of Deployment',
    ]);
  });

  it('a kind no schema is registered for', () => {
    expect(
      schemaProblems({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'x' },
      }),
    ).toEqual([
      'no schema for networking.k8s.io/v1 Ingress: add its kubernetes-models class to MODELS',
    ]);
  });

  it('partial validation (patches) still rejects wrong types and unknown fields', () => {
    const patch = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'p' },
      spec: { replicas: 'x', replicaz: 1 },
    };
    expect(schemaProblems(patch, { partial: true })).toEqual([
      '/spec/replicas must be integer',
      '/spec/replicaz is not a field of Deployment',
    ]);
  });
});
