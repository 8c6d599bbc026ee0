import { Logger } from '@nestjs/common';
import type { Endpoint } from './predictor-endpoints';
import { PredictorEndpoint } from './endpoint';
import type { TransportFor } from './hop-transport';
import type { EndpointOptions, EndpointSnapshot } from './endpoint';
import { formatAddress, isIpLiteral, systemResolver } from './resolver';
import type { ResolveHost } from './resolver';

export interface EndpointPoolOptions {
  /** PREDICTOR_ENDPOINTS, parsed: names and addresses with their ports. */
  targets: readonly Endpoint[];
  /** How often names are resolved again; 0 resolves once, at start. */
  resolveIntervalMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
  /** How each target's addresses are dialled (hop-transport.ts, or a test's stand-in). */
  transportFor: TransportFor;
  resolve?: ResolveHost;
  /** In [0, 1); injectable so that tests can pin the choice. */
  random?: () => number;
  now?: () => number;
  /**
   * Reads the targets again before each round (PREDICTOR_ENDPOINTS_FILE): a
   * rejection keeps the current targets.
   */
  reloadTargets?: () => Promise<readonly Endpoint[]>;
}

/** Which endpoints one request must avoid, and which it already used. */
export interface PickFilter {
  /** Never again in this request (it timed out there: the endpoint may be hung). */
  exclude?: ReadonlySet<PredictorEndpoint>;
  /** Used already: others are preferred while there are any. */
  tried?: ReadonlySet<PredictorEndpoint>;
}

/**
 * The predictor endpoints the gateway balances over.
 *
 * Configured targets that are addresses become endpoints at once; names are
 * resolved to every address they have (`dns.lookup`, all records) at start and
 * every `resolveIntervalMs`, so a Kubernetes headless service works: a new
 * address becomes an endpoint with its own connection and breaker, a vanished
 * one stops taking calls and closes once its calls in flight are done. A
 * failed lookup keeps the addresses that name had: DNS trouble must not empty
 * a working pool.
 *
 * Each request picks by power of two choices on calls in flight (two random
 * available endpoints, the less busy one wins): cheap, needs no shared state,
 * and steers away from an endpoint that has gone slow or hung, because calls
 * pile up there (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing"; what Envoy and Finagle use for least-request balancing).
 */
export class EndpointPool {
  private readonly logger = new Logger(EndpointPool.name);
  private targets: readonly Endpoint[];
  private readonly reloadTargets: (() => Promise<readonly Endpoint[]>) | undefined;
  private readonly resolveIntervalMs: number;
  private readonly resolve: ResolveHost;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly transportFor: TransportFor;
  private readonly endpointDefaults: Pick<
    EndpointOptions,
    'breakerFailures' | 'breakerOpenMs' | 'now'
  >;
  /** By address (`ip:port`). */
  private readonly active = new Map<string, PredictorEndpoint>();
  private readonly leaving = new Set<PredictorEndpoint>();
  /** Names whose last lookup failed, so a persistent failure is logged once. */
  private readonly failingNames = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  constructor(options: EndpointPoolOptions) {
    this.targets = options.targets;
    this.reloadTargets = options.reloadTargets;
    this.resolveIntervalMs = options.resolveIntervalMs;
    this.resolve = options.resolve ?? systemResolver;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => Date.now());
    this.transportFor = options.transportFor;
    this.endpointDefaults = {
      breakerFailures: options.breakerFailures,
      breakerOpenMs: options.breakerOpenMs,
      ...(options.now ? { now: options.now } : {}),
    };
    for (const target of this.targets) {
      if (isIpLiteral(target.host)) this.add(target.host, target.port, target);
    }
  }

  /** True when there is something to do each round: a name to resolve, or a file to read again. */
  get hasNames(): boolean {
    return (
      this.reloadTargets !== undefined || this.targets.some((target) => !isIpLiteral(target.host))
    );
  }

  /** Endpoints taking calls (not the ones draining). */
  get size(): number {
    return this.active.size;
  }

  /**
   * Resolves the names once, then again every `resolveIntervalMs`. Never
   * throws: a name that does not resolve yet leaves the pool without it until
   * a later round succeeds.
   */
  async start(): Promise<void> {
    if (!this.hasNames) return;
    await this.refresh();
    if (this.resolveIntervalMs > 0 && !this.closed) {
      this.timer = setInterval(() => void this.refresh(), this.resolveIntervalMs);
      // Re-resolution alone must not keep the process alive.
      this.timer.unref();
    }
  }

  /**
   * Resolves every name now and reconciles the endpoints with the result.
   * Concurrent calls share one round.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.reconcile().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Chooses the endpoint for the next attempt: among available endpoints not
   * excluded, untried ones first, then the less busy of two picked at random.
   * Undefined when none is available (all open, half-open with a probe in
   * flight, excluded, or none known).
   */
  pick(filter: PickFilter = {}, now = this.now()): PredictorEndpoint | undefined {
    // First a count without arrays: with one endpoint available (a lone predictor, or one left
    // untried) nothing else decides, and no array is made per call.
    let available = 0;
    let lastAvailable: PredictorEndpoint | undefined;
    let untriedCount = 0;
    let lastUntried: PredictorEndpoint | undefined;
    for (const endpoint of this.active.values()) {
      if (filter.exclude?.has(endpoint) || !endpoint.available(now)) continue;
      available += 1;
      lastAvailable = endpoint;
      if (!filter.tried?.has(endpoint)) {
        untriedCount += 1;
        lastUntried = endpoint;
      }
    }
    if (untriedCount === 1) return lastUntried;
    if (untriedCount === 0 && available <= 1) return lastAvailable;
    const candidates: PredictorEndpoint[] = [];
    for (const endpoint of this.active.values()) {
      if (!filter.exclude?.has(endpoint) && endpoint.available(now)) candidates.push(endpoint);
    }
    const untried = filter.tried
      ? candidates.filter((endpoint) => !filter.tried?.has(endpoint))
      : candidates;
    const pool = untried.length > 0 ? untried : candidates;
    if (pool.length <= 1) return pool[0];
    const first = Math.floor(this.random() * pool.length);
    let second = Math.floor(this.random() * (pool.length - 1));
    if (second >= first) second += 1;
    const a = pool[first];
    const b = pool[second];
    return b.inFlight < a.inFlight ? b : a;
  }

  /** True when `pick(filter)` would find an endpoint now. */
  hasAvailable(filter: PickFilter = {}, now = this.now()): boolean {
    for (const endpoint of this.active.values()) {
      if (!filter.exclude?.has(endpoint) && endpoint.available(now)) return true;
    }
    return false;
  }

  /** Whole seconds (at least 1) until some endpoint can take a call again: the Retry-After of CIRCUIT_OPEN. */
  retryAfterSeconds(now = this.now()): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const endpoint of this.active.values())
      earliest = Math.min(earliest, endpoint.nextAvailableAt(now));
    if (!Number.isFinite(earliest)) return 1;
    return Math.max(1, Math.ceil((earliest - now) / 1000));
  }

  /** The endpoints taking calls. */
  list(): PredictorEndpoint[] {
    return [...this.active.values()];
  }

  /** Every endpoint, the ones still draining included. */
  snapshot(now = this.now()): EndpointSnapshot[] {
    for (const endpoint of this.leaving) if (endpoint.isClosed) this.leaving.delete(endpoint);
    return [...this.active.values(), ...this.leaving].map((endpoint) => endpoint.snapshot(now));
  }

  /** Stops re-resolving and closes every connection. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const endpoint of [...this.active.values(), ...this.leaving]) endpoint.close();
    this.active.clear();
    this.leaving.clear();
  }

  private async reconcile(): Promise<void> {
    if (this.reloadTargets) {
      try {
        this.targets = await this.reloadTargets();
        if (this.failingNames.delete('(endpoints file)'))
          this.logger.log('the endpoints file reads again');
      } catch (error) {
        if (!this.failingNames.has('(endpoints file)')) {
          this.failingNames.add('(endpoints file)');
          this.logger.warn(
            `cannot read the endpoints file (${error instanceof Error ? error.message : String(error)}); keeping the current endpoints`,
          );
        }
      }
    }
    const wanted = new Map<string, { host: string; port: number; target: Endpoint }>();
    await Promise.all(
      this.targets.map(async (target) => {
        const label = formatAddress(target.host, target.port);
        if (isIpLiteral(target.host)) {
          wanted.set(label, { host: target.host, port: target.port, target });
          return;
        }
        try {
          const addresses = await this.resolve(target.host);
          if (addresses.length === 0) throw new Error('no address');
          if (this.failingNames.delete(label)) this.logger.log(`${label} resolves again`);
          for (const host of addresses)
            wanted.set(formatAddress(host, target.port), { host, port: target.port, target });
        } catch (error) {
          if (!this.failingNames.has(label)) {
            this.failingNames.add(label);
            this.logger.warn(
              `cannot resolve ${label} (${error instanceof Error ? error.message : String(error)}); keeping its known addresses`,
            );
          }
          for (const endpoint of this.active.values()) {
            if (endpoint.target === label)
              wanted.set(endpoint.address, { host: endpoint.host, port: endpoint.port, target });
          }
        }
      }),
    );
    if (this.closed) return;
    for (const [address, { host, port, target }] of wanted) {
      if (!this.active.has(address)) this.add(host, port, target);
    }
    for (const [address, endpoint] of this.active) {
      if (wanted.has(address)) continue;
      this.active.delete(address);
      this.logger.log(`${address} left ${endpoint.target}: draining it`);
      this.leaving.add(endpoint);
      endpoint.drain();
    }
    // Forget drained endpoints once closed: drain() closes when idle.
    for (const endpoint of this.leaving) if (endpoint.isClosed) this.leaving.delete(endpoint);
  }

  private add(host: string, port: number, target: Endpoint): void {
    const endpoint = new PredictorEndpoint({
      host,
      port,
      target: formatAddress(target.host, target.port),
      ...this.endpointDefaults,
      transport: this.transportFor(target),
    });
    this.active.set(endpoint.address, endpoint);
    if (!isIpLiteral(target.host)) this.logger.log(`${endpoint.address} joined ${endpoint.target}`);
  }
}
