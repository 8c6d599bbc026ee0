/**
 * Project rules for the Kubernetes manifests: what the schemas cannot know.
 * Each rule returns a list of problems (empty when the rule holds), so the
 * specs can show a rule failing on a broken copy of a real manifest.
 *
 * The rules run on documents that already passed schema validation, so the
 * kubernetes-models interfaces describe them.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { PORT_ENV, PROBE_ROUTES, effectivePort } from './app-facts';
import type { Manifest } from './k8s';
import { typed } from './k8s';
import type { AppName } from './repo';
import { isAppName } from './repo';

export interface Workload {
  file: string;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  doc: IDeployment | IStatefulSet;
  template: IPodTemplateSpec;
}

/** What the rules need to know about the rest of the system. */
export interface AppFacts {
  routes: Record<AppName, ReadonlySet<string>>;
  /** Hard shutdown timeout of the apps (server-core), in ms. */
  hardShutdownTimeoutMs: number;
}

export function workloads(manifests: Manifest[]): Workload[] {
  return manifests.flatMap((manifest): Workload[] => {
    const kind = manifest.doc['kind'];
    if (kind !== 'Deployment' && kind !== 'StatefulSet') return [];
    const doc = typed<IDeployment | IStatefulSet>(manifest.doc);
    if (!doc.spec) return [];
    return [
      {
        file: manifest.file,
        kind,
        name: doc.metadata?.name ?? '?',
        doc,
        template: doc.spec.template,
      },
    ];
  });
}

/** Documents of one kind, typed by their (already validated) schema, with their file. */
export function ofKind<T>(manifests: Manifest[], kind: string): (T & { file: string })[] {
  return manifests
    .filter((manifest) => manifest.doc['kind'] === kind)
    .map((manifest) => ({ ...typed<T>(manifest.doc), file: manifest.file }));
}

function containers(workload: Workload): IContainer[] {
  return workload.template.spec?.containers ?? [];
}

/** `registry.example.com/ml-system/gateway:1.0.0` → gateway; undefined if not one of ours. */
export function appOfImage(image: string | undefined): AppName | undefined {
  const repository = (image ?? '').split('@')[0]?.replace(/:[^/]*$/, '') ?? '';
  const last = repository.split('/').pop() ?? '';
  return isAppName(last) ? last : undefined;
}

function where(workload: Workload, container?: IContainer): string {
  return `${workload.kind}/${workload.name}${container ? ` container ${container.name}` : ''} (${workload.file})`;
}

// ---- env ----------------------------------------------------------------------

export interface ContainerEnv {
  /** Variable → literal value (undefined when it comes from a secret or a field ref). */
  values: Map<string, string | undefined>;
  /** Where each name was set, for messages. */
  sources: Map<string, string>;
  problems: string[];
}

/**
 * The environment a container starts with, as Kubernetes assembles it:
 * envFrom sources in order, then `env`, later ones winning. References to
 * ConfigMaps and Secrets are resolved among `manifests` (which should include
 * the *.example.yaml templates); a required one that is missing is a problem.
 */
export function containerEnv(container: IContainer, manifests: Manifest[]): ContainerEnv {
  const values = new Map<string, string | undefined>();
  const sources = new Map<string, string>();
  const problems: string[] = [];
  const configMaps = ofKind<IConfigMap>(manifests, 'ConfigMap');
  const secrets = ofKind<ISecret>(manifests, 'Secret');
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const found = source.configMapRef
      ? configMaps.find((map) => map.metadata?.name === ref?.name)
      : secrets.find((secret) => secret.metadata?.name === ref?.name);
    if (!found) {
      if (!ref?.optional)
        problems.push(
          `container ${container.name}: envFrom ${kind} ${String(ref?.name)} is not defined`,
        );
      continue;
    }
    const data: Record<string, string> = {
      ...(found.data ?? {}),
      ...('stringData' in found ? (found.stringData ?? {}) : {}),
    };
    for (const [name, value] of Object.entries(data)) {
      values.set(`${source.prefix ?? ''}${name}`, kind === 'ConfigMap' ? value : undefined);
      sources.set(`${source.prefix ?? ''}${name}`, `${kind} ${String(ref?.name)} (${found.file})`);
    }
  }
  for (const variable of container.env ?? []) {
    values.set(variable.name, variable.value);
    const secretKey = variable.valueFrom?.secretKeyRef;
    const configMapKey = variable.valueFrom?.configMapKeyRef;
    const ref = secretKey ?? configMapKey;
    if (!ref) {
      sources.set(variable.name, `env of container ${container.name}`);
      continue;
    }
    const kind = secretKey ? 'Secret' : 'ConfigMap';
    const found: IConfigMap | ISecret | undefined = secretKey
      ? secrets.find((secret) => secret.metadata?.name === ref.name)
      : configMaps.find((map) => map.metadata?.name === ref.name);
    const data: Record<string, string> = found
      ? { ...(found.data ?? {}), ...('stringData' in found ? (found.stringData ?? {}) : {}) }
      : {};
    sources.set(
      variable.name,
      `env of container ${container.name} from ${kind} ${String(ref.name)} key ${ref.key}`,
    );
    if (!(ref.key in data) && !ref.optional)
      problems.push(
        `container ${container.name}: env ${variable.name} reads ${kind} ${String(ref.name)} key ${ref.key}, which is not defined`,
      );
    if (kind === 'ConfigMap' && ref.key in data) values.set(variable.name, data[ref.key]);
  }
  return { values, sources, problems };
}

/** Literal values only, as the apps would parse them. */
function literalEnv(env: ContainerEnv): Map<string, string> {
  const literal = new Map<string, string>();
  for (const [name, value] of env.values) if (value !== undefined) literal.set(name, value);
  return literal;
}

// ---- rules ----------------------------------------------------------------------

function resolvePort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

function probeProblems(
  label: string,
  probe: IProbe | undefined,
  expectedPath: string,
  container: IContainer,
  routes: ReadonlySet<string>,
  httpPort: number,
): string[] {
  if (!probe) return [`${label} is missing`];
  if (!probe.httpGet) return [`${label} must be an httpGet probe on the app's HTTP port`];
  const problems: string[] = [];
  const { path, port } = probe.httpGet;
  if (path !== expectedPath)
    problems.push(`${label} path ${String(path)} should be ${expectedPath}`);
  if (path === undefined || !routes.has(path))
    problems.push(`${label} path ${String(path)} is not a GET route of the app`);
  const resolved = resolvePort(container, port);
  if (resolved !== httpPort) {
    problems.push(
      `${label} port ${String(port)} (→ ${String(resolved)}) is not the HTTP port the app listens on (${httpPort})`,
    );
  }
  return problems;
}

/**
 * Every container is one of our apps, with liveness, readiness and startup
 * probes on its real health routes and real HTTP port (the port the env sets,
 * else the schema default), and a containerPort for each port it listens on.
 */
export function probeRules(workload: Workload, manifests: Manifest[], facts: AppFacts): string[] {
  return containers(workload).flatMap((container) => {
    const app = appOfImage(container.image);
    const at = where(workload, container);
    if (!app)
      return [
        `${at}: image ${String(container.image)} is not ml-system/gateway or ml-system/predictor`,
      ];
    const env = literalEnv(containerEnv(container, manifests));
    const httpPort = effectivePort(app, PORT_ENV[app].http, env);
    const routes = facts.routes[app];
    const problems = [
      ...probeProblems(
        'livenessProbe',
        container.livenessProbe,
        PROBE_ROUTES.live,
        container,
        routes,
        httpPort,
      ),
      ...probeProblems(
        'readinessProbe',
        container.readinessProbe,
        PROBE_ROUTES.ready,
        container,
        routes,
        httpPort,
      ),
      // Startup probes guard liveness during a slow start (model load); optional.
      ...(container.startupProbe
        ? probeProblems(
            'startupProbe',
            container.startupProbe,
            PROBE_ROUTES.live,
            container,
            routes,
            httpPort,
          )
        : []),
    ];
    const listening = [
      httpPort,
      ...(PORT_ENV[app].rpc ? [effectivePort(app, PORT_ENV[app].rpc, env)] : []),
    ];
    for (const port of listening) {
      if (!container.ports?.some((candidate) => candidate.containerPort === port)) {
        problems.push(`no containerPort for port ${port}, which the app listens on`);
      }
    }
    return problems.map((problem) => `${at}: ${problem}`);
  });
}

/** Requests (for scheduling and the HPA) and limits (a bound per pod), CPU and memory. */
export function resourceRules(workload: Workload): string[] {
  return containers(workload).flatMap((container) =>
    (['requests', 'limits'] as const).flatMap((kind) =>
      (['cpu', 'memory'] as const)
        .filter((resource) => container.resources?.[kind]?.[resource] === undefined)
        .map(
          (resource) => `${where(workload, container)}: resources.${kind}.${resource} is missing`,
        ),
    ),
  );
}

/**
 * The "restricted" Pod Security Standard and a bit more: non-root uid 1000
 * (the `node` user of the image), read-only root, no privilege escalation, no
 * capabilities, RuntimeDefault seccomp, no service account token, and no
 * service links: Kubernetes would otherwise inject `<SERVICE>_PORT=tcp://…`
 * for every Service, and Services named `gateway` and `predictor-http` would
 * override GATEWAY_PORT and PREDICTOR_HTTP_PORT whenever they are not set
 * explicitly.
 */
export function securityRules(workload: Workload): string[] {
  const pod = workload.template.spec;
  const problems: string[] = [];
  const podContext = pod?.securityContext;
  if (pod?.automountServiceAccountToken !== false)
    problems.push('automountServiceAccountToken must be false');
  if (pod?.enableServiceLinks !== false) problems.push('enableServiceLinks must be false');
  for (const container of containers(workload)) {
    const context = container.securityContext;
    const runAsNonRoot = context?.runAsNonRoot ?? podContext?.runAsNonRoot;
    const runAsUser = context?.runAsUser ?? podContext?.runAsUser;
    const seccomp = context?.seccompProfile?.type ?? podContext?.seccompProfile?.type;
    const name = `container ${container.name}`;
    if (runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot must be true`);
    if (runAsUser !== 1000)
      problems.push(`${name}: runAsUser must be 1000 (the image's node user)`);
    if (seccomp !== 'RuntimeDefault')
      problems.push(`${name}: seccompProfile must be RuntimeDefault`);
    if (context?.allowPrivilegeEscalation !== false)
      problems.push(`${name}: allowPrivilegeEscalation must be false`);
    if (context?.readOnlyRootFilesystem !== true)
      problems.push(`${name}: readOnlyRootFilesystem must be true`);
    if (!context?.capabilities?.drop?.includes('ALL'))
      problems.push(`${name}: capabilities must drop ALL`);
    if ((context?.capabilities?.add ?? []).length > 0)
      problems.push(`${name}: must not add capabilities`);
  }
  return problems.map((problem) => `${where(workload)}: ${problem}`);
}

/** Paths the apps write to, by the variable that names them. */
const WRITABLE_DIR_ENV = ['INPUT_LOG_DIR'];

/**
 * With a read-only root filesystem, every directory an app writes to must be
 * a writable volume: /tmp (emptyDir) and the input log (a PVC, here through
 * the StatefulSet's volumeClaimTemplates).
 */
export function writablePathRules(workload: Workload, manifests: Manifest[]): string[] {
  const claimTemplates = new Set(
    workload.kind === 'StatefulSet'
      ? ((workload.doc as IStatefulSet).spec?.volumeClaimTemplates ?? []).map(
          (claim) => claim.metadata?.name,
        )
      : [],
  );
  const volumes = workload.template.spec?.volumes ?? [];
  return containers(workload).flatMap((container) => {
    const env = literalEnv(containerEnv(container, manifests));
    const writable = (container.volumeMounts ?? []).filter((mount) => {
      if (mount.readOnly) return false;
      const volume = volumes.find((candidate) => candidate.name === mount.name);
      return (
        claimTemplates.has(mount.name) ||
        volume?.emptyDir !== undefined ||
        volume?.persistentVolumeClaim !== undefined
      );
    });
    const covered = (path: string) =>
      writable.some(
        (mount) =>
          path === mount.mountPath || path.startsWith(`${mount.mountPath.replace(/\/$/, '')}/`),
      );
    const wanted = [
      '/tmp',
      ...WRITABLE_DIR_ENV.flatMap((name) => (env.get(name) ? [env.get(name) ?? ''] : [])),
    ];
    const problems = wanted
      .filter((path) => !covered(path))
      .map(
        (path) =>
          `${where(workload, container)}: ${path} is written to but not on a writable volume`,
      );
    if (appOfImage(container.image) === 'gateway' && !env.has('INPUT_LOG_DIR')) {
      problems.push(
        `${where(workload, container)}: INPUT_LOG_DIR must be set (the default ./data is on the read-only root)`,
      );
    }
    return problems;
  });
}

/** An image reference names a tag (or digest) other than `latest`. */
export function imageTagProblem(image: string | undefined, where: string): string[] {
  if (!image) return [`${where}: no image`];
  if (image.includes('@sha256:')) return [];
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (!tag) return [`${where}: image ${image} has no tag (means latest)`];
  if (tag === 'latest') return [`${where}: image ${image} uses the latest tag`];
  return [];
}

export function imageRules(workload: Workload): string[] {
  return containers(workload).flatMap((container) =>
    imageTagProblem(container.image, where(workload, container)),
  );
}

/** Seconds of a preStop pause: `sleep N`, `setTimeout(…, N ms)` or the sleep action. */
export function preStopSeconds(container: IContainer): number | undefined {
  const handler = container.lifecycle?.preStop;
  if (handler?.sleep) return handler.sleep.seconds;
  const command = (handler?.exec?.command ?? []).join(' ');
  const sleep = /\bsleep\s+(\d+)/.exec(command);
  if (sleep?.[1]) return Number(sleep[1]);
  const timeout = /setTimeout\([^,]*,\s*(\d+)\s*\)/.exec(command);
  if (timeout?.[1]) return Number(timeout[1]) / 1000;
  return undefined;
}

/**
 * The drain sequence fits the grace period: deletion → preStop pause (pod
 * leaves endpoints and DNS while still serving) → SIGTERM → readiness 503 for
 * SHUTDOWN_DRAIN_MS → close, in-flight requests finish → exit, all before the
 * app's own hard timeout and before the kubelet's SIGKILL.
 */
export function shutdownRules(
  workload: Workload,
  manifests: Manifest[],
  facts: AppFacts,
  requestDeadlineMs: number,
): string[] {
  const grace = workload.template.spec?.terminationGracePeriodSeconds;
  const hard = facts.hardShutdownTimeoutMs;
  return containers(workload).flatMap((container) => {
    const at = where(workload, container);
    const pause = preStopSeconds(container);
    const drain = Number(
      literalEnv(containerEnv(container, manifests)).get('SHUTDOWN_DRAIN_MS') ?? '0',
    );
    const problems: string[] = [];
    if (pause === undefined || pause <= 0)
      problems.push(`${at}: needs a preStop pause (exec sleep/setTimeout or sleep action)`);
    if (grace === undefined)
      problems.push(`${at}: terminationGracePeriodSeconds must be set explicitly`);
    else if (grace * 1000 < (pause ?? 0) * 1000 + hard) {
      problems.push(
        `${at}: terminationGracePeriodSeconds ${grace} < preStop ${pause ?? 0} s + hard shutdown timeout ${hard / 1000} s`,
      );
    }
    if (drain + requestDeadlineMs > hard) {
      problems.push(
        `${at}: SHUTDOWN_DRAIN_MS ${drain} + REQUEST_DEADLINE_MS ${requestDeadlineMs} exceeds the hard shutdown timeout ${hard} ms`,
      );
    }
    return problems;
  });
}

function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** The workloads whose pods a label selector picks. */
export function selectedWorkloads(
  selector: Record<string, string> | undefined,
  all: Workload[],
): Workload[] {
  return all.filter((workload) => selects(selector, workload.template.metadata?.labels));
}

/** Each Service selects exactly one workload, and each targetPort is one of its container ports. */
export function serviceRules(services: (IService & { file: string })[], all: Workload[]): string[] {
  return services.flatMap((service) => {
    const at = `Service/${String(service.metadata?.name)} (${service.file})`;
    const selected = selectedWorkloads(service.spec?.selector, all);
    if (selected.length !== 1) return [`${at}: selects ${selected.length} workloads, expected 1`];
    const [workload] = selected;
    if (!workload) return [];
    return (service.spec?.ports ?? []).flatMap((port) => {
      const target = port.targetPort ?? port.port;
      const found = containers(workload).some(
        (container) => resolvePort(container, target) !== undefined,
      );
      return found
        ? []
        : [
            `${at}: targetPort ${String(target)} is not a port of ${workload.kind}/${workload.name}`,
          ];
    });
  });
}

/** Each workload has a PodDisruptionBudget; each PDB selects a workload. */
export function disruptionBudgetRules(
  budgets: (IPodDisruptionBudget & { file: string })[],
  all: Workload[],
): string[] {
  const problems = budgets
    .filter((budget) => selectedWorkloads(budget.spec?.selector?.matchLabels, all).length === 0)
    .map(
      (budget) =>
        `PodDisruptionBudget/${String(budget.metadata?.name)} (${budget.file}) selects no workload`,
    );
  for (const workload of all) {
    if (
      !budgets.some(
        (budget) => selectedWorkloads(budget.spec?.selector?.matchLabels, [workload]).length === 1,
      )
    ) {
      problems.push(`${where(workload)}: no PodDisruptionBudget`);
    }
  }
  return problems;
}

/**
 * Each HPA targets a workload that exists, leaves `replicas` unset (an
 * applied value would fight the HPA on every apply) and has CPU requests
 * (Utilization targets are relative to them).
 */
export function autoscalerRules(
  autoscalers: (IHorizontalPodAutoscaler & { file: string })[],
  all: Workload[],
): string[] {
  return autoscalers.flatMap((hpa) => {
    const at = `HorizontalPodAutoscaler/${String(hpa.metadata?.name)} (${hpa.file})`;
    const ref = hpa.spec?.scaleTargetRef;
    const target = all.find(
      (workload) => workload.kind === ref?.kind && workload.name === ref.name,
    );
    if (!target)
      return [`${at}: scaleTargetRef ${String(ref?.kind)}/${String(ref?.name)} does not exist`];
    const problems: string[] = [];
    if (target.doc.spec?.replicas !== undefined)
      problems.push(`${at}: ${where(target)} sets replicas; the HPA owns it`);
    if (
      containers(target).some((container) => container.resources?.requests?.['cpu'] === undefined)
    ) {
      problems.push(`${at}: ${where(target)} has a container without CPU requests`);
    }
    return problems;
  });
}

/**
 * PREDICTOR_ENDPOINTS names headless Services (clusterIP: None) that select
 * the predictor pods, on the port the predictor's TCP server listens on:
 * resolving such a name yields every ready pod, which is what lets the
 * gateway balance per request (see docs/deployment.md).
 */
export function discoveryRules(
  gatewayEnv: ReadonlyMap<string, string>,
  manifests: Manifest[],
  all: Workload[],
): string[] {
  const list = gatewayEnv.get('PREDICTOR_ENDPOINTS');
  if (!list) return ['the gateway has no PREDICTOR_ENDPOINTS'];
  const services = ofKind<IService>(manifests, 'Service');
  return list.split(',').flatMap((entry) => {
    const [host = '', portText = ''] = entry.trim().split(':');
    const service = services.find((candidate) => candidate.metadata?.name === host);
    if (!service) return [`PREDICTOR_ENDPOINTS ${entry}: no Service named ${host}`];
    const problems: string[] = [];
    if (service.spec?.clusterIP !== 'None') {
      problems.push(
        `PREDICTOR_ENDPOINTS ${entry}: Service ${host} must be headless (clusterIP: None)`,
      );
    }
    const port = service.spec?.ports?.find((candidate) => candidate.port === Number(portText));
    if (!port)
      return [...problems, `PREDICTOR_ENDPOINTS ${entry}: Service ${host} has no port ${portText}`];
    for (const workload of selectedWorkloads(service.spec?.selector, all)) {
      for (const container of containers(workload)) {
        if (appOfImage(container.image) !== 'predictor') {
          problems.push(
            `PREDICTOR_ENDPOINTS ${entry}: Service ${host} selects ${where(workload, container)}, not a predictor`,
          );
          continue;
        }
        const env = literalEnv(containerEnv(container, manifests));
        const tcpPort = effectivePort('predictor', 'PREDICTOR_TCP_PORT', env);
        if (resolvePort(container, port.targetPort ?? port.port) !== tcpPort) {
          problems.push(
            `PREDICTOR_ENDPOINTS ${entry}: Service ${host} does not reach the predictor's TCP port ${tcpPort}`,
          );
        }
      }
    }
    return problems;
  });
}

/** The literal env of the gateway container (for cross-app rules). */
export function gatewayEnvOf(all: Workload[], manifests: Manifest[]): Map<string, string> {
  const container = all
    .flatMap(containers)
    .find((candidate) => appOfImage(candidate.image) === 'gateway');
  if (!container) throw new Error('no gateway container in the manifests');
  return literalEnv(containerEnv(container, manifests));
}

/**
 * The gateway's INPUT_LOG_DATABASE_URL holds a password: it comes from a
 * Secret key (secretKeyRef), never a literal or a ConfigMap, and the reference
 * is optional, so that without the Secret the gateway runs on its local log
 * (the embedded default). The Secret (among the templates) holds a postgres:// URL.
 */
export function databaseUrlRules(all: Workload[], manifests: Manifest[]): string[] {
  const name = 'INPUT_LOG_DATABASE_URL';
  const container = all
    .flatMap(containers)
    .find((candidate) => appOfImage(candidate.image) === 'gateway');
  if (!container) return ['no gateway container in the manifests'];
  const problems: string[] = [];
  for (const map of ofKind<IConfigMap>(manifests, 'ConfigMap'))
    if (map.data && name in map.data)
      problems.push(`ConfigMap ${String(map.metadata?.name)} (${map.file}) holds ${name}`);
  const variable = (container.env ?? []).find((candidate) => candidate.name === name);
  const ref = variable?.valueFrom?.secretKeyRef;
  if (!variable || !ref) return [...problems, `gateway: ${name} must come from a secretKeyRef`];
  if (ref.optional !== true)
    problems.push(
      `gateway: the secretKeyRef of ${name} must be optional (no database is the default)`,
    );
  const secret = ofKind<ISecret>(manifests, 'Secret').find(
    (candidate) => candidate.metadata?.name === ref.name,
  );
  const value = secret
    ? { ...(secret.data ?? {}), ...(secret.stringData ?? {}) }[ref.key]
    : undefined;
  if (!secret)
    problems.push(`gateway: ${name} reads Secret ${String(ref.name)}, which has no template`);
  else if (value === undefined)
    problems.push(`gateway: Secret ${String(ref.name)} (${secret.file}) has no key ${ref.key}`);
  else if (secret.stringData?.[ref.key] !== undefined && !/^postgres(?:ql)?:\/\//.test(value))
    problems.push(`gateway: Secret ${String(ref.name)} key ${ref.key} is not a postgres:// URL`);
  return problems;
}
