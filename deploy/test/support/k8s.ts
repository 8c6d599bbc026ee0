/**
 * Loading the Kubernetes manifests and validating them against the upstream
 * OpenAPI schemas, as compiled into the `kubernetes-models` classes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { fromRoot, isRecord, repoPath } from './repo';

export const K8S_DIR = repoPath('deploy', 'k8s');

/** One YAML document of a manifest file. */
export interface Manifest {
  /** Repository-relative file, for messages. */
  file: string;
  doc: Record<string, unknown>;
}

/**
 * All documents of a YAML file. YAML 1.1 on purpose: kubectl and kustomize
 * read manifests with 1.1 rules (sigs.k8s.io/yaml), where `0440` is octal and
 * `yes` a boolean; a 1.2 parser would validate something else than what gets
 * applied. Duplicate keys and any parser warning fail the load.
 */
export function loadYamlFile(path: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), {
    version: '1.1',
    uniqueKeys: true,
  });
  return documents.flatMap((document) => {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) {
      throw new Error(`${fromRoot(path)}: ${problems.map((p) => p.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    // An empty document (e.g. after a trailing `---`) is allowed and skipped.
    if (value === null || value === undefined) return [];
    if (!isRecord(value)) throw new Error(`${fromRoot(path)}: a document is not a mapping`);
    return [{ file: fromRoot(path), doc: value }];
  });
}

// ---- kustomize ---------------------------------------------------------------

export interface Kustomization {
  path: string;
  kind: 'Kustomization' | 'Component';
  resources: string[];
  components: string[];
  patches: string[];
  images: { name: string; newName?: string; newTag?: string }[];
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new Error(`${what} must be a list of strings`);
  }
  return value;
}

/**
 * Reads the parts of a kustomization this repository uses (resources,
 * components, file patches, images); anything else fails, so a new feature
 * gets a check here before it is relied on.
 */
export function loadKustomization(dir: string): Kustomization {
  const path = join(dir, 'kustomization.yaml');
  const [first, ...rest] = loadYamlFile(path);
  if (!first || rest.length > 0)
    throw new Error(`${fromRoot(path)}: expected exactly one document`);
  const { doc } = first;
  const known = [
    'apiVersion',
    'kind',
    'namespace',
    'labels',
    'resources',
    'components',
    'patches',
    'images',
  ];
  const unknown = Object.keys(doc).filter((key) => !known.includes(key));
  if (unknown.length > 0)
    throw new Error(`${fromRoot(path)}: fields not checked by deploy/test: ${unknown.join(', ')}`);
  const kind = doc['kind'];
  if (kind !== 'Kustomization' && kind !== 'Component')
    throw new Error(`${fromRoot(path)}: unexpected kind ${String(kind)}`);
  const patches = Array.isArray(doc['patches']) ? doc['patches'] : [];
  const images = Array.isArray(doc['images']) ? doc['images'] : [];
  return {
    path: fromRoot(path),
    kind,
    resources: stringList(doc['resources'], `${fromRoot(path)}: resources`),
    components: stringList(doc['components'], `${fromRoot(path)}: components`),
    patches: patches.map((patch) => {
      if (
        !isRecord(patch) ||
        typeof patch['path'] !== 'string' ||
        Object.keys(patch).length !== 1
      ) {
        throw new Error(`${fromRoot(path)}: only \`- path: <file>\` patches are checked`);
      }
      return patch['path'];
    }),
    images: images.map((image) => {
      if (!isRecord(image) || typeof image['name'] !== 'string')
        throw new Error(`${fromRoot(path)}: bad images entry`);
      return {
        name: image['name'],
        ...(typeof image['newName'] === 'string' && { newName: image['newName'] }),
        ...(typeof image['newTag'] === 'string' && { newTag: image['newTag'] }),
      };
    }),
  };
}

/** The documents listed in `resources` (files only: no remote bases). */
export function loadResources(kustomization: Kustomization): Manifest[] {
  const dir = dirname(repoPath(kustomization.path));
  return kustomization.resources.flatMap((resource) => loadYamlFile(join(dir, resource)));
}

/** Templates kept next to the manifests but never applied (see kustomization.yaml). */
export function loadExamples(): Manifest[] {
  return readdirSync(K8S_DIR)
    .filter((name) => name.endsWith('.example.yaml'))
    .flatMap((name) => loadYamlFile(join(K8S_DIR, name)));
}

// ---- OpenAPI schema validation -------------------------------------------------

interface KubernetesModel {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(): void };
}

/**
 * The kinds this repository deploys. A manifest of any other kind fails
 * validation until its class is added here, so nothing escapes the schemas.
 */
const MODELS: readonly KubernetesModel[] = [
  Namespace,
  ConfigMap,
  Secret,
  Service,
  Deployment,
  StatefulSet,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
];

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
}

function isAjvErrorList(value: unknown): value is AjvError[] {
  return (
    Array.isArray(value) &&
    value.every((item) => isRecord(item) && typeof item['instancePath'] === 'string')
  );
}

/**
 * Runs the model's compiled OpenAPI validator on `doc` and records which
 * properties of which objects it reads. The Kubernetes schemas do not forbid
 * unknown fields (the API server drops them, or rejects them only under
 * strict field validation), so a typo such as `readinesProbe` passes plain
 * schema validation and silently removes the probe. The validator reads every
 * property its schema defines and iterates maps (labels, data), so an own
 * property it never read is a field the schema does not know.
 */
function observeValidation(model: KubernetesModel, doc: Record<string, unknown>) {
  const read = new Map<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const observe = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = proxies.get(value);
    if (known) return known;
    const keys = new Set<string>();
    read.set(value, keys);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') keys.add(key);
        return observe(Reflect.get(target, key, receiver));
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  let errors: AjvError[] = [];
  try {
    model.prototype.validate.call(observe(doc));
  } catch (error: unknown) {
    const list: unknown = isRecord(error) ? error['errors'] : undefined;
    if (!isAjvErrorList(list)) throw error;
    errors = list;
  }
  return { errors, read };
}

function unreadFields(value: unknown, read: Map<object, Set<string>>, path: string): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const seen = read.get(value);
  return Object.entries(value).flatMap(([key, child]) => {
    // A JSON pointer, like ajv's instancePath: /spec/template/spec/containers/0/…
    const childPath = `${path}/${key}`;
    return seen?.has(key) ? unreadFields(child, read, childPath) : [childPath];
  });
}

export interface SchemaOptions {
  /**
   * For strategic-merge patches, which are partial objects: missing required
   * fields are not errors (the base supplies them); types, enums, formats and
   * unknown fields still are.
   */
  partial?: boolean;
}

/** Every way `doc` breaks its Kubernetes OpenAPI schema; empty when valid. */
export function schemaProblems(
  doc: Record<string, unknown>,
  options: SchemaOptions = {},
): string[] {
  const model = MODELS.find(
    (candidate) => candidate.apiVersion === doc['apiVersion'] && candidate.kind === doc['kind'],
  );
  if (!model) {
    return [
      `no schema for ${String(doc['apiVersion'])} ${String(doc['kind'])}: add its kubernetes-models class to MODELS`,
    ];
  }
  const { errors, read } = observeValidation(model, doc);
  const invalid = errors
    .filter((error) => !(options.partial && error.keyword === 'required'))
    .map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`);
  const unknown = unreadFields(doc, read, '').map(
    (path) => `${path} is not a field of ${model.kind}`,
  );
  return [...invalid, ...unknown];
}

/**
 * The typed view of a document: once schemaProblems() found nothing, the
 * document is what its kubernetes-models interface describes. The rules and
 * the schema specs run on the same files, so a schema failure shows there.
 */
export function typed<T>(doc: Record<string, unknown>): T {
  return doc as unknown as T;
}

/** `Kind/name (file)`, for test titles and messages. */
export function describeManifest(manifest: Manifest): string {
  const metadata = manifest.doc['metadata'];
  const name = isRecord(metadata) ? String(metadata['name']) : '?';
  return `${String(manifest.doc['kind'])}/${name} (${manifest.file})`;
}
