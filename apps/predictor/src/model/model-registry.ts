import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OnApplicationShutdown } from '@nestjs/common';
import { MODEL_NAME_PATTERN, MODEL_VERSION_PATTERN } from '@ml-system/contracts';
import {
  HfTextClassifierModel,
  isHfTextClassifierFolder,
} from './huggingface/hf-text-classifier.model';
import { ModelServingError } from './model-errors';
import type { ModelPort } from './model.port';
import { OnnxTensorModel } from './onnx/onnx-tensor.model';
import type { RunObserver, WorkerSessionOptions } from './onnx/worker-session';
import type { BatchSettings } from './huggingface/text-batcher';
import { TextClassifierModel } from './text-classifier.model';

/** Triton's states, as `POST /v2/repository/index` reports them. */
export type VersionState = 'READY' | 'LOADING' | 'UNAVAILABLE';

export interface RepositoryEntry {
  name: string;
  version: string;
  state: VersionState;
  reason: string;
}

interface VersionSlot {
  readonly version: string;
  state: VersionState;
  reason: string;
  model?: ModelPort;
}

/** The optional per-model settings file, in a version folder or beside the version folders. */
export const MODEL_SETTINGS_FILE = 'model-settings.json';
/** The project's own artifact in a version folder. */
export const ARTIFACT_FILE = 'model.json';

/**
 * `model-settings.json`: `{"intra_op_threads": 1, "max_queue": 256,
 * "max_batch_size": 32, "max_queue_delay_ms": 0}`, each optional.
 */
export function readModelSettings(
  folders: readonly string[],
): WorkerSessionOptions & Partial<BatchSettings> {
  const file = folders.map((f) => join(f, MODEL_SETTINGS_FILE)).find((f) => existsSync(f));
  if (!file) return {};
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const positive = (key: string, max: number): number | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      throw new Error(`${MODEL_SETTINGS_FILE}: ${key} must be an integer in [1, ${max}]`);
    }
    return value;
  };
  return {
    intraOpThreads: positive('intra_op_threads', 64),
    maxQueue: positive('max_queue', 100_000),
    maxBatchSize: positive('max_batch_size', 1024),
    maxQueueDelayMs: positive('max_queue_delay_ms', 10_000),
  };
}

/** Loads one version folder, whichever of the three formats it holds (docs/model-serving.md#version-folder-formats). */
export async function loadVersionFolder(
  name: string,
  version: string,
  folder: string,
  observe?: RunObserver,
): Promise<ModelPort> {
  const settings = { ...readModelSettings([folder, join(folder, '..')]), observe };
  if (isHfTextClassifierFolder(folder)) {
    return HfTextClassifierModel.load(name, version, folder, settings);
  }
  if (existsSync(join(folder, 'model.onnx'))) {
    return OnnxTensorModel.load(name, version, join(folder, 'model.onnx'), settings);
  }
  if (existsSync(join(folder, ARTIFACT_FILE))) {
    return TextClassifierModel.load(join(folder, ARTIFACT_FILE));
  }
  throw new Error(
    `holds no model: a Hugging Face classifier (config.json, tokenizer.json, tokenizer_config.json, model.onnx), a model.onnx or a ${ARTIFACT_FILE}`,
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The model folders and their version folders, as the repository holds them now. */
export function scanRepository(root: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const name of readdirSync(root).sort()) {
    if (!MODEL_NAME_PATTERN.test(name) || !isDirectory(join(root, name))) continue;
    const versions = readdirSync(join(root, name))
      .filter((v) => MODEL_VERSION_PATTERN.test(v) && isDirectory(join(root, name, v)))
      .sort((a, b) => Number(a) - Number(b));
    found.set(name, versions);
  }
  return found;
}

export interface RepositoryOptions {
  /** `MODEL_REPOSITORY`: `<root>/<name>/<version>/`. */
  root: string;
  /** `DEFAULT_MODEL`; unset: the repository's only model. */
  defaultModel?: string;
  log?: (line: string) => void;
  /** Told of each session run of a version (metrics). */
  observeRuns?: (name: string, version: string) => RunObserver;
}

/**
 * The models the predictor serves: every version of every model of the
 * repository, each READY once loaded and warmed up, or UNAVAILABLE with the
 * reason it failed to load. A request gets the latest READY version of the
 * model it names (the default one when it names none) unless it names a
 * version.
 */
export class ModelRegistry implements OnApplicationShutdown {
  private readonly models = new Map<string, Map<string, VersionSlot>>();
  /** Models unloaded through the repository API: polling leaves them alone until loaded again. */
  private readonly unloaded = new Set<string>();
  /** Loads and unloads run one at a time, in order. */
  private changes: Promise<unknown> = Promise.resolve();
  private poller: NodeJS.Timeout | undefined;
  private log: (line: string) => void = () => undefined;
  private observeRuns: RepositoryOptions['observeRuns'];

  private constructor(
    readonly defaultName: string,
    private readonly root?: string,
  ) {}

  /** A registry of one model, as version 1: the bundled artifact, and the specs' models. */
  static of(model: ModelPort, name = model.name): ModelRegistry {
    const registry = new ModelRegistry(name);
    registry.models.set(
      name,
      new Map([['1', { version: '1', state: 'READY', reason: '', model }]]),
    );
    return registry;
  }

  /**
   * Loads every version of every model under `root`, one at a time (each is
   * warmed up, and the cores are few). A version that fails to load is kept
   * UNAVAILABLE with its reason; the default model must have a READY version.
   *
   * @throws Error naming the problem when the default model cannot serve.
   */
  static async open(options: RepositoryOptions): Promise<ModelRegistry> {
    const root = resolve(options.root);
    if (!isDirectory(root)) throw new Error(`MODEL_REPOSITORY ${root} is not a directory`);
    const found = scanRepository(root);
    const names = [...found.keys()];
    const defaultName = options.defaultModel ?? (names.length === 1 ? names[0] : undefined);
    if (!defaultName) {
      throw new Error(
        `MODEL_REPOSITORY ${root} holds ${names.length} models (${names.join(', ')}): set DEFAULT_MODEL to one of them`,
      );
    }
    if (!found.has(defaultName)) {
      throw new Error(`DEFAULT_MODEL ${defaultName} is not a model of ${root}`);
    }
    const registry = new ModelRegistry(defaultName, root);
    if (options.log) registry.log = options.log;
    registry.observeRuns = options.observeRuns;
    for (const [name, versions] of found) {
      for (const version of versions) await registry.loadVersion(name, version);
    }
    if (!registry.isReady(defaultName)) {
      await registry.onApplicationShutdown();
      throw new Error(`the default model ${defaultName} has no version that loads`);
    }
    return registry;
  }

  /**
   * The model version a request gets.
   *
   * @throws ModelServingError MODEL_NOT_FOUND for a model or version the
   *   repository does not have, MODEL_NOT_READY for one that is not READY.
   */
  resolve(name?: string, version?: string): ModelPort {
    return this.served(name, version).model;
  }

  /** The model version a request gets, with its version folder's name; throws as `resolve`. */
  served(name?: string, version?: string): { model: ModelPort; version: string } {
    const modelName = name ?? this.defaultName;
    const slot = this.slot(modelName, version);
    if (!slot.model || slot.state !== 'READY') {
      throw new ModelServingError(
        'MODEL_NOT_READY',
        `model "${modelName}" version ${slot.version} is ${slot.state}${slot.reason ? `: ${slot.reason}` : ''}`,
      );
    }
    return { model: slot.model, version: slot.version };
  }

  /** The state of a model (its latest version) or of one version; throws MODEL_NOT_FOUND. */
  stateOf(name: string, version?: string): RepositoryEntry {
    const slot = this.slot(name, version);
    return { name, version: slot.version, state: slot.state, reason: slot.reason };
  }

  /** The version folders of `name`, oldest first; throws MODEL_NOT_FOUND. */
  versionsOf(name: string): string[] {
    const slots = this.models.get(name);
    if (!slots) throw new ModelServingError('MODEL_NOT_FOUND', `unknown model "${name}"`);
    return [...slots.keys()];
  }

  /** True when `name` (the default model when omitted) has a READY version (or that version is READY). */
  isReady(name: string = this.defaultName, version?: string): boolean {
    const slots = this.models.get(name);
    if (!slots) return false;
    if (version !== undefined) return slots.get(version)?.state === 'READY';
    return [...slots.values()].some((slot) => slot.state === 'READY');
  }

  /** Every version of every model, as Triton's repository index lists them. */
  index(): RepositoryEntry[] {
    const entries: RepositoryEntry[] = [];
    for (const [name, slots] of this.models) {
      for (const slot of slots.values()) {
        entries.push({ name, version: slot.version, state: slot.state, reason: slot.reason });
      }
    }
    return entries;
  }

  /**
   * Brings the served versions in line with the repository's folders: new
   * versions (of known or new models) are loaded and warmed up, then served;
   * versions whose folder is gone stop taking requests, finish what they
   * hold, and are unloaded. A version that failed to load is retried only by
   * an explicit load. Models unloaded through the API are left alone.
   */
  sync(): Promise<void> {
    return this.serially(async () => {
      if (!this.root) return;
      const found = scanRepository(this.root);
      for (const [name, versions] of found) {
        if (this.unloaded.has(name)) continue;
        await this.reconcile(name, versions, false);
      }
      for (const name of [...this.models.keys()]) {
        if (!found.has(name) && !this.unloaded.has(name)) await this.reconcile(name, [], false);
      }
    });
  }

  /**
   * Triton's `POST /v2/repository/models/{name}/load`: (re)loads `name` from
   * its folder, retrying the versions that failed, unloading the ones whose
   * folder is gone.
   *
   * @throws ModelServingError MODEL_NOT_FOUND when the repository has no
   *   such folder, INVALID_INPUT when no version of it loads.
   */
  load(name: string): Promise<void> {
    return this.serially(async () => {
      const versions = this.root ? scanRepository(this.root).get(name) : undefined;
      if (!versions) {
        throw new ModelServingError('MODEL_NOT_FOUND', `the repository has no model "${name}"`);
      }
      this.unloaded.delete(name);
      await this.reconcile(name, versions, true);
      if (!this.isReady(name)) {
        const reasons = this.index()
          .filter((entry) => entry.name === name)
          .map((entry) => `version ${entry.version}: ${entry.reason || entry.state}`);
        throw new ModelServingError(
          'INVALID_INPUT',
          `model "${name}" failed to load (${reasons.join('; ') || 'no version folder'})`,
        );
      }
    });
  }

  /**
   * Triton's `POST /v2/repository/models/{name}/unload`: every version stops
   * taking requests, finishes what it holds, and is unloaded; the model stays
   * listed, UNAVAILABLE ("unloaded"), and polling leaves it alone.
   *
   * @throws ModelServingError MODEL_NOT_FOUND for a model it does not have.
   */
  unload(name: string): Promise<void> {
    return this.serially(async () => {
      const slots = this.models.get(name);
      if (!slots) throw new ModelServingError('MODEL_NOT_FOUND', `unknown model "${name}"`);
      this.unloaded.add(name);
      await Promise.all([...slots.values()].map((slot) => this.release(slot, 'unloaded')));
    });
  }

  /** Polls the repository every `ms` (0: never) until shutdown. */
  startPolling(ms: number): void {
    if (ms <= 0 || !this.root) return;
    let running = false;
    this.poller = setInterval(() => {
      if (running) return;
      running = true;
      this.sync()
        .catch((error: unknown) => this.log(`repository poll failed: ${String(error)}`))
        .finally(() => (running = false));
    }, ms);
    this.poller.unref();
  }

  /** Ends every model's worker, after what each already accepted. */
  async onApplicationShutdown(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    const closing: Promise<void>[] = [];
    for (const slots of this.models.values()) {
      for (const slot of slots.values()) if (slot.model) closing.push(slot.model.close());
    }
    await Promise.allSettled(closing);
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change, change);
    this.changes = next.catch(() => undefined);
    return next;
  }

  /** Loads what is new (and, when `retry`, what failed), releases what is gone. */
  private async reconcile(
    name: string,
    versions: readonly string[],
    retry: boolean,
  ): Promise<void> {
    const slots = this.models.get(name);
    for (const version of versions) {
      const slot = slots?.get(version);
      if (!slot || (slot.state === 'UNAVAILABLE' && (retry || slot.reason === 'unloaded'))) {
        await this.loadVersion(name, version);
      }
    }
    for (const slot of [...(slots?.values() ?? [])]) {
      if (!versions.includes(slot.version)) {
        await this.release(slot, 'its folder was removed');
        slots?.delete(slot.version);
      }
    }
    if (slots && slots.size === 0 && name !== this.defaultName) this.models.delete(name);
  }

  /**
   * Loads one version folder: LOADING (not served) until loaded and warmed
   * up, then READY, and requests that name no version move to it at once.
   */
  private async loadVersion(name: string, version: string): Promise<void> {
    if (!this.root) return;
    let slots = this.models.get(name);
    if (!slots) {
      slots = new Map();
      this.models.set(name, slots);
    }
    const slot: VersionSlot = { version, state: 'LOADING', reason: '' };
    const previous = slots.get(version);
    slots.set(version, slot);
    if (previous) await this.release(previous, 'reloaded');
    try {
      slot.model = await loadVersionFolder(
        name,
        version,
        join(this.root, name, version),
        this.observeRuns?.(name, version),
      );
      slot.state = 'READY';
      this.log(`loaded model ${name} version ${version}`);
    } catch (error) {
      slot.state = 'UNAVAILABLE';
      slot.reason = error instanceof Error ? error.message : String(error);
      this.log(`model ${name} version ${version} is UNAVAILABLE: ${slot.reason}`);
    }
  }

  /** Stops serving `slot` at once, lets its accepted work finish, then ends its worker. */
  private async release(slot: VersionSlot, reason: string): Promise<void> {
    const model = slot.model;
    slot.state = 'UNAVAILABLE';
    slot.reason = reason;
    slot.model = undefined;
    if (model) {
      await model.close();
      this.log(`unloaded a version ${slot.version} (${reason})`);
    }
  }

  private slot(name: string, version?: string): VersionSlot {
    const slots = this.models.get(name);
    if (!slots) throw new ModelServingError('MODEL_NOT_FOUND', `unknown model "${name}"`);
    if (version !== undefined) {
      const slot = slots.get(version);
      if (!slot) {
        throw new ModelServingError('MODEL_NOT_FOUND', `model "${name}" has no version ${version}`);
      }
      return slot;
    }
    // The latest READY version; when none is, the latest one, to report why.
    const all = [...slots.values()].sort((a, b) => Number(b.version) - Number(a.version));
    const slot = all.find((s) => s.state === 'READY') ?? all[0];
    if (!slot) throw new ModelServingError('MODEL_NOT_FOUND', `model "${name}" has no version`);
    return slot;
  }
}
