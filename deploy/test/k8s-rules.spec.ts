/**
 * Rule 2 (manifests): what the schemas cannot know. Probes hit real health
 * routes on the port the app really listens on (routes read from the apps'
 * controllers, ports from the env the manifests set or else the schemas'
 * defaults); every container has requests and limits and the restricted
 * security context; writable paths are volumes; the drain sequence fits the
 * grace period; Services, budgets, the autoscaler and the gateway's
 * PREDICTOR_ENDPOINTS all point at something that exists.
 */
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  PROBE_ROUTES,
  appGetRoutes,
  schemaEnvDefault,
  shutdownHardTimeoutMs,
} from './support/app-facts';
import type { Manifest } from './support/k8s';
import { K8S_DIR, loadExamples, loadKustomization, loadResources, typed } from './support/k8s';
import type { AppFacts, Workload } from './support/k8s-rules';
import {
  appOfImage,
  autoscalerRules,
  databaseUrlRules,
  discoveryRules,
  disruptionBudgetRules,
  gatewayEnvOf,
  imageRules,
  ofKind,
  preStopSeconds,
  probeRules,
  resourceRules,
  securityRules,
  serviceRules,
  shutdownRules,
  workloads,
  writablePathRules,
} from './support/k8s-rules';

const resources = loadResources(loadKustomization(K8S_DIR));
/** Env references resolve among the applied manifests and the templates. */
const manifests: Manifest[] = [...resources, ...loadExamples()];
const all = workloads(resources);
const facts: AppFacts = {
  routes: { gateway: appGetRoutes('gateway'), predictor: appGetRoutes('predictor') },
  hardShutdownTimeoutMs: shutdownHardTimeoutMs(),
};
const gatewayEnv = gatewayEnvOf(all, manifests);
/** In-flight requests are bounded by the gateway's deadline (propagated to the predictors). */
const requestDeadlineMs = Number(
  gatewayEnv.get('REQUEST_DEADLINE_MS') ?? schemaEnvDefault('gateway', 'REQUEST_DEADLINE_MS'),
);
const services = ofKind<IService>(resources, 'Service');
const budgets = ofKind<IPodDisruptionBudget>(resources, 'PodDisruptionBudget');
const autoscalers = ofKind<IHorizontalPodAutoscaler>(resources, 'HorizontalPodAutoscaler');

describe('what the rules read from the apps', () => {
  it('finds the health routes in both apps controllers', () => {
    for (const routes of Object.values(facts.routes)) {
      expect([...routes]).toEqual(
        expect.arrayContaining([PROBE_ROUTES.live, PROBE_ROUTES.ready, '/health']),
      );
    }
  });

  it('finds the ports defaults and the hard shutdown timeout', () => {
    expect(schemaEnvDefault('gateway', 'GATEWAY_PORT')).toBe('8000');
    expect(schemaEnvDefault('predictor', 'PREDICTOR_HTTP_PORT')).toBe('8001');
    expect(schemaEnvDefault('predictor', 'PREDICTOR_TCP_PORT')).toBe('8877');
    expect(facts.hardShutdownTimeoutMs).toBe(15_000);
    expect(requestDeadlineMs).toBeGreaterThan(0);
  });
});

describe('workloads', () => {
  it('deploy both apps', () => {
    const apps = all.flatMap((workload) =>
      workload.template.spec?.containers.map((container) => appOfImage(container.image)),
    );
    expect(apps.sort()).toEqual(['gateway', 'predictor']);
  });

  describe.each(all.map((workload) => [`${workload.kind}/${workload.name}`, workload] as const))(
    '%s',
    (_title, workload) => {
      it('has liveness, readiness and startup probes on real health routes and the real HTTP port', () => {
        expect(probeRules(workload, manifests, facts)).toEqual([]);
      });

      it('has CPU and memory requests and limits', () => {
        expect(resourceRules(workload)).toEqual([]);
      });

      it('runs non-root, read-only, without privileges, capabilities, token or service links', () => {
        expect(securityRules(workload)).toEqual([]);
      });

      it('mounts a writable volume wherever the app writes', () => {
        expect(writablePathRules(workload, manifests)).toEqual([]);
      });

      it('names image tags, never latest', () => {
        expect(imageRules(workload)).toEqual([]);
      });

      it('fits preStop, drain and in-flight requests into the grace period', () => {
        expect(shutdownRules(workload, manifests, facts, requestDeadlineMs)).toEqual([]);
      });
    },
  );
});

describe('wiring', () => {
  it('every Service selects one workload and targets its ports', () => {
    expect(serviceRules(services, all)).toEqual([]);
  });

  it('every workload has a PodDisruptionBudget', () => {
    expect(disruptionBudgetRules(budgets, all)).toEqual([]);
  });

  it('the predictor autoscaler targets the predictor Deployment, which leaves replicas to it', () => {
    expect(autoscalers.map((hpa) => hpa.spec?.scaleTargetRef.name)).toEqual(['predictor']);
    expect(autoscalerRules(autoscalers, all)).toEqual([]);
  });

  it('the gateway discovers predictors through the headless Service on their TCP port', () => {
    expect(gatewayEnv.get('PREDICTOR_ENDPOINTS')).toBe('predictor-headless:8877');
    expect(discoveryRules(gatewayEnv, resources, all)).toEqual([]);
  });

  it('the gateway reads INPUT_LOG_DATABASE_URL from an optional Secret key with a postgres:// URL', () => {
    expect(databaseUrlRules(all, manifests)).toEqual([]);
    expect(gatewayEnv.has('INPUT_LOG_DATABASE_URL')).toBe(false);
  });
});

describe('the rules catch broken manifests', () => {
  const predictor = all.find((workload) => workload.name === 'predictor');
  if (!predictor) throw new Error('no predictor workload to break');

  /** A deep copy of the predictor Deployment, with `change` applied to its pod spec and first container. */
  function broken(change: (container: IContainer, pod: IPodSpec) => void): Workload {
    const doc = structuredClone(predictor?.doc);
    const pod = doc?.spec?.template.spec;
    const container = pod?.containers[0];
    if (!doc?.spec || !pod || !container) throw new Error('no pod spec or container');
    change(container, pod);
    return { ...(predictor as Workload), doc, template: doc.spec.template };
  }

  it('a missing readiness probe, a probe on an unknown route, a probe on the wrong port', () => {
    const workload = broken((container) => {
      delete container.readinessProbe;
      container.livenessProbe = { httpGet: { path: '/healthz', port: 'http' } };
      container.startupProbe = { httpGet: { path: '/health/live', port: 8877 } };
    });
    expect(probeRules(workload, manifests, facts)).toEqual([
      expect.stringContaining('livenessProbe path /healthz should be /health/live'),
      expect.stringContaining('livenessProbe path /healthz is not a GET route of the app'),
      expect.stringContaining('readinessProbe is missing'),
      expect.stringContaining(
        'startupProbe port 8877 (→ 8877) is not the HTTP port the app listens on (8001)',
      ),
    ]);
  });

  it('missing limits', () => {
    const workload = broken((container) => {
      container.resources = { requests: { cpu: '250m', memory: '256Mi' } };
    });
    expect(resourceRules(workload)).toEqual([
      expect.stringContaining('resources.limits.cpu is missing'),
      expect.stringContaining('resources.limits.memory is missing'),
    ]);
  });

  it('root, a writable root filesystem, added capabilities, service links', () => {
    const workload = broken((container, pod) => {
      container.securityContext = {
        ...container.securityContext,
        runAsUser: 0,
        readOnlyRootFilesystem: false,
        capabilities: { add: ['NET_ADMIN'] },
      };
      delete pod.enableServiceLinks;
    });
    expect(securityRules(workload)).toEqual([
      expect.stringContaining('enableServiceLinks must be false'),
      expect.stringContaining('runAsUser must be 1000'),
      expect.stringContaining('readOnlyRootFilesystem must be true'),
      expect.stringContaining('capabilities must drop ALL'),
      expect.stringContaining('must not add capabilities'),
    ]);
  });

  it('no writable /tmp', () => {
    const workload = broken((container) => {
      container.volumeMounts = [];
    });
    expect(writablePathRules(workload, manifests)).toEqual([
      expect.stringContaining('/tmp is written to but not on a writable volume'),
    ]);
  });

  it('a latest image', () => {
    const workload = broken((container) => {
      container.image = 'ml-system/predictor:latest';
    });
    expect(imageRules(workload)).toEqual([expect.stringContaining('uses the latest tag')]);
  });

  it('a grace period shorter than the drain, and no preStop pause', () => {
    const workload = broken((container, pod) => {
      delete container.lifecycle;
      pod.terminationGracePeriodSeconds = 10;
    });
    expect(shutdownRules(workload, manifests, facts, 14_000)).toEqual([
      expect.stringContaining('needs a preStop pause'),
      expect.stringContaining(
        'terminationGracePeriodSeconds 10 < preStop 0 s + hard shutdown timeout 15 s',
      ),
      expect.stringContaining(
        'SHUTDOWN_DRAIN_MS 5000 + REQUEST_DEADLINE_MS 14000 exceeds the hard shutdown timeout',
      ),
    ]);
  });

  it('reads the preStop pause from sleep, setTimeout and the sleep action', () => {
    expect(
      preStopSeconds({ name: 'a', lifecycle: { preStop: { exec: { command: ['sleep', '7'] } } } }),
    ).toBe(7);
    expect(
      preStopSeconds({
        name: 'a',
        lifecycle: { preStop: { exec: { command: ['node', '-e', 'setTimeout(() => {}, 5000)'] } } },
      }),
    ).toBe(5);
    expect(preStopSeconds({ name: 'a', lifecycle: { preStop: { sleep: { seconds: 3 } } } })).toBe(
      3,
    );
  });

  it('a Service that selects nothing, and one whose targetPort does not exist', () => {
    const service = (selector: Record<string, string>, targetPort: string) => ({
      ...typed<IService>({ apiVersion: 'v1', kind: 'Service' }),
      metadata: { name: 's' },
      spec: { selector, ports: [{ port: 1, targetPort }] },
      file: 'test',
    });
    expect(
      serviceRules(
        [
          service({ app: 'nothing' }, 'http'),
          service({ 'app.kubernetes.io/name': 'predictor' }, 'metrics'),
        ],
        all,
      ),
    ).toEqual([
      'Service/s (test): selects 0 workloads, expected 1',
      'Service/s (test): targetPort metrics is not a port of Deployment/predictor',
    ]);
  });

  it('a workload without a disruption budget', () => {
    expect(disruptionBudgetRules([], all)).toEqual([
      expect.stringContaining('StatefulSet/gateway'),
      expect.stringContaining('Deployment/predictor'),
    ]);
  });

  it('an autoscaler fighting an explicit replica count', () => {
    const workload = broken(() => undefined);
    if (workload.doc.spec) workload.doc.spec.replicas = 3;
    expect(autoscalerRules(autoscalers, [workload])).toEqual([
      expect.stringContaining('sets replicas; the HPA owns it'),
    ]);
  });

  it('a database URL that is required, in a ConfigMap, or read from a key nobody defines', () => {
    const gateway = all.find((workload) => workload.name === 'gateway');
    if (!gateway) throw new Error('no gateway workload to break');
    const doc = structuredClone(gateway.doc);
    const container = doc.spec?.template.spec?.containers[0];
    const ref = container?.env?.find((variable) => variable.name === 'INPUT_LOG_DATABASE_URL')
      ?.valueFrom?.secretKeyRef;
    if (!doc.spec || !ref) throw new Error('no secretKeyRef to break');
    ref.optional = false;
    ref.key = 'uri';
    const config: Manifest = {
      file: 'test.yaml',
      doc: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'leaky' },
        data: { INPUT_LOG_DATABASE_URL: 'postgres://gateway:secret@db/ml' },
      },
    };
    const workload: Workload = { ...gateway, doc, template: doc.spec.template };
    expect(databaseUrlRules([workload], [...manifests, config])).toEqual([
      'ConfigMap leaky (test.yaml) holds INPUT_LOG_DATABASE_URL',
      'gateway: the secretKeyRef of INPUT_LOG_DATABASE_URL must be optional (no database is the default)',
      'gateway: Secret gateway-database (deploy/k8s/gateway-database.example.yaml) has no key uri',
    ]);
    if (container)
      container.env = [{ name: 'INPUT_LOG_DATABASE_URL', value: 'postgres://x@db/ml' }];
    expect(databaseUrlRules([workload], manifests)).toEqual([
      'gateway: INPUT_LOG_DATABASE_URL must come from a secretKeyRef',
    ]);
  });

  it('discovery through a ClusterIP Service, which would pin each gateway to one pod', () => {
    const clusterIp = resources.map((manifest) =>
      manifest.doc['kind'] === 'Service' &&
      (manifest.doc['metadata'] as { name: string }).name === 'predictor-headless'
        ? {
            ...manifest,
            doc: {
              ...manifest.doc,
              spec: { ...(manifest.doc['spec'] as object), clusterIP: '10.0.0.10' },
            },
          }
        : manifest,
    );
    expect(discoveryRules(gatewayEnv, clusterIp, all)).toEqual([
      'PREDICTOR_ENDPOINTS predictor-headless:8877: Service predictor-headless must be headless (clusterIP: None)',
    ]);
    expect(
      discoveryRules(new Map([['PREDICTOR_ENDPOINTS', 'predictor-headless:9999']]), resources, all),
    ).toEqual([
      'PREDICTOR_ENDPOINTS predictor-headless:9999: Service predictor-headless has no port 9999',
    ]);
  });
});
