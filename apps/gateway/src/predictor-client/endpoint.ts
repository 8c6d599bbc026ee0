import { Logger } from '@nestjs/common';
import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  isBrokenCircuitError,
} from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import { isPredictorError } from '@ml-system/contracts';
import { classify } from './failure';
import type { TransportFactory } from './hop-transport';
import type { RpcTransport, Settled } from './json-rpc-connection';
import {
  CircuitOpenError,
  PredictorRejectedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
  describeTransportError,
} from './predictor.errors';
import { formatAddress } from './resolver';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `/health` and the metrics show of one endpoint. */
export interface EndpointSnapshot {
  /** `ip:port` actually dialled. */
  address: string;
  /** The configured `host:port` it was resolved from. */
  target: string;
  breaker: BreakerState;
  /** Attempts on this endpoint waiting for their answer. */
  inFlight: number;
  /** Failures in a row so far (the breaker opens at BREAKER_FAILURES). */
  consecutiveFailures: number;
  lastError: string | null;
  /** When `lastError` happened, epoch ms. */
  lastErrorAt: number | null;
  /** Open breaker: when it lets a probe through, epoch ms. */
  probeAt: number | null;
  /** Vanished from the resolver: takes no new calls, closes once idle. */
  draining: boolean;
}

export interface EndpointOptions {
  host: string;
  port: number;
  /** The configured `host:port` this address came from (for display). */
  target: string;
  /** Consecutive failures that open the breaker. */
  breakerFailures: number;
  /** How long an open breaker refuses before it lets one probe through. */
  breakerOpenMs: number;
  /** Clock, epoch ms; injectable for tests. */
  now?: () => number;
  /** Dials this address (hop-transport.ts); called again to re-dial after the connection closed. */
  transport: TransportFactory;
}

/** The attempt's own timer fired before the reply. */
const TIMED_OUT = Symbol('attempt timed out');

/** An answer from the predictor, as the breaker sees it: a reply or a deliberate refusal. */
type Answer<T> = { reply: T } | { refusal: PredictorRejectedError };

/**
 * One predictor address: its own connection (`JsonRpcConnection`, re-dialled
 * on the next call after it closes, behind a `PredictCoalescer`), a cockatiel
 * circuit breaker (ConsecutiveBreaker + halfOpenAfter) and a per-attempt
 * timeout (one timer: cockatiel's timeout policy builds an AbortController
 * and its listeners per call, which showed in profiles at this call rate).
 *
 * What counts against the breaker: no answer (refused, reset, closed before
 * the reply, timed out) and the predictor's "cannot take work" codes. A
 * deliberate error answer (invalid input, deadline passed, internal) proves the
 * endpoint is alive and counts as a success.
 */
export class PredictorEndpoint {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly target: string;
  private readonly logger = new Logger(PredictorEndpoint.name);
  private readonly breakerFailures: number;
  private readonly breakerOpenMs: number;
  private readonly now: () => number;
  private readonly consecutive: ConsecutiveBreaker;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly transport: TransportFactory;
  private client: RpcTransport;
  private openedAt: number | undefined;
  private inFlightCount = 0;
  private lastError: { text: string; at: number } | undefined;
  private drainingFlag = false;
  private closed = false;

  constructor(options: EndpointOptions) {
    this.host = options.host;
    this.port = options.port;
    this.target = options.target;
    this.address = formatAddress(options.host, options.port);
    this.breakerFailures = options.breakerFailures;
    this.breakerOpenMs = options.breakerOpenMs;
    this.now = options.now ?? (() => Date.now());
    this.consecutive = new ConsecutiveBreaker(options.breakerFailures);
    this.breaker = circuitBreaker(handleAll, {
      breaker: this.consecutive,
      halfOpenAfter: options.breakerOpenMs,
    });
    // cockatiel keeps the moment it opened private; these listeners run
    // synchronously inside its transition, so our clock reads the same or later
    // and "due by ours" implies "due by cockatiel's".
    this.breaker.onBreak(() => {
      this.openedAt = this.now();
      this.logger.warn(
        `${this.address}: circuit open after ${this.breakerFailures} failures (${this.lastError?.text ?? '?'})`,
      );
    });
    this.breaker.onReset(() => {
      this.openedAt = undefined;
      this.logger.log(`${this.address}: circuit closed, the probe succeeded`);
    });
    this.transport = options.transport;
    this.client = this.createClient();
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get draining(): boolean {
    return this.drainingFlag;
  }

  /** Closed for good (drained, or the pool shut down). */
  get isClosed(): boolean {
    return this.closed;
  }

  get breakerState(): BreakerState {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Open:
      case CircuitState.Isolated:
        return 'open';
    }
  }

  /**
   * Can take a call now: closed, or open long enough that this call becomes
   * the one half-open probe. Half-open (probe in flight) is not available: the
   * others go elsewhere or fail fast, where cockatiel would make them wait for
   * the probe's outcome.
   */
  available(now = this.now()): boolean {
    if (this.closed || this.drainingFlag) return false;
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return true;
    return (
      state === CircuitState.Open &&
      this.openedAt !== undefined &&
      now >= this.openedAt + this.breakerOpenMs
    );
  }

  /** When this endpoint can next take a call (epoch ms): now when available, else its probe time. */
  nextAvailableAt(now = this.now()): number {
    if (this.available(now)) return now;
    if (this.breaker.state === CircuitState.Open && this.openedAt !== undefined) {
      return this.openedAt + this.breakerOpenMs;
    }
    // Half-open: the probe's outcome decides; a timeout bounds it, assume soon.
    return now + 1000;
  }

  /**
   * One attempt: the message through this endpoint's breaker, bounded by
   * `timeoutMs`.
   * @throws PredictorTimeoutError when no answer came within `timeoutMs`.
   * @throws PredictorUnavailableError when no answer could come (refused, reset, closed).
   * @throws CircuitOpenError when the breaker refused the call.
   * @throws PredictorRejectedError (satisfies `isPredictorError`) when the predictor answered with an error.
   */
  async send<T>(pattern: string, message: object, timeoutMs: number): Promise<T> {
    this.inFlightCount += 1;
    try {
      const answer = await this.breaker.execute(() => this.attempt<T>(pattern, message, timeoutMs));
      if ('refusal' in answer) throw answer.refusal;
      return answer.reply;
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        throw new CircuitOpenError(
          1,
          Math.max(1, Math.ceil((this.nextAvailableAt() - this.now()) / 1000)),
        );
      }
      throw error;
    } finally {
      this.inFlightCount -= 1;
      if (this.drainingFlag && this.inFlightCount === 0) this.close();
    }
  }

  /**
   * A round trip outside the breaker, for health checks: it must not use up
   * the single half-open probe, nor count as traffic.
   * @throws as `send`, except CircuitOpenError.
   */
  async ping<T>(pattern: string, message: object, timeoutMs: number): Promise<T> {
    const settled = await this.exchange<T>(pattern, message, timeoutMs);
    if ('failure' in settled) throw this.mark(settled.failure, timeoutMs);
    return settled.reply;
  }

  /** Stops taking calls; the connection closes once the calls in flight are done. */
  drain(): void {
    this.drainingFlag = true;
    if (this.inFlightCount === 0) this.close();
  }

  /** Closes the connection now; calls still waiting fail as "connection closed". */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  snapshot(now = this.now()): EndpointSnapshot {
    const state = this.breakerState;
    return {
      address: this.address,
      target: this.target,
      breaker: state,
      inFlight: this.inFlightCount,
      consecutiveFailures: this.consecutive.state,
      lastError: this.lastError?.text ?? null,
      lastErrorAt: this.lastError?.at ?? null,
      probeAt: state === 'open' ? this.nextAvailableAt(now) : null,
      draining: this.drainingFlag,
    };
  }

  /** The breaker's view of one attempt: an answer (success) or a thrown failure. */
  private async attempt<T>(
    pattern: string,
    message: object,
    timeoutMs: number,
  ): Promise<Answer<T>> {
    const settled = await this.exchange<T>(pattern, message, timeoutMs);
    if ('reply' in settled) return { reply: settled.reply };
    const { failure } = settled;
    if (isPredictorError(failure) && !classify(failure).endpointDown) {
      return { refusal: new PredictorRejectedError(failure.code, failure.message) };
    }
    throw this.fail(failure, timeoutMs);
  }

  /** Records a failure of this endpoint and returns the marked error to throw. */
  private fail(error: unknown, timeoutMs: number): Error {
    const marked = this.mark(error, timeoutMs);
    const text = PredictorRejectedError.is(marked) ? `answered ${marked.code}` : marked.message;
    this.lastError = { text, at: this.now() };
    if (PredictorTimeoutError.is(marked) && !this.client.connected) {
      // The connect itself hangs (a dropped SYN, an address that vanished):
      // the connection would keep every later call waiting on that same connect until
      // the kernel gives up, minutes later. Start over with a fresh client.
      this.redial();
    }
    return marked;
  }

  /** Every failure becomes one of the marked errors (always an `Error`). */
  private mark(error: unknown, timeoutMs: number): Error {
    if (error === TIMED_OUT) return new PredictorTimeoutError(timeoutMs);
    if (PredictorTimeoutError.is(error) || PredictorRejectedError.is(error)) return error;
    if (isPredictorError(error)) return new PredictorRejectedError(error.code, error.message);
    return new PredictorUnavailableError(describeTransportError(error));
  }

  /**
   * The RPC on the socket, bounded by `timeoutMs`. Resolves with the reply or
   * the failure, so that predictor error objects (not `Error`s) are never
   * thrown as rejections; at the timeout the call is cancelled, which drops
   * its reply handler so a late answer is ignored.
   */
  private exchange<T>(pattern: string, message: object, timeoutMs: number): Promise<Settled<T>> {
    const call = this.client.request<T>(pattern, message);
    return new Promise<Settled<T>>((resolve) => {
      const timer = setTimeout(() => {
        call.cancel();
        resolve({ failure: TIMED_OUT });
      }, timeoutMs);
      void call.settled.then((settled) => {
        clearTimeout(timer);
        resolve(settled);
      });
    });
  }

  private createClient(): RpcTransport {
    return this.transport(this.host, this.port, (error) =>
      this.logger.debug(`${this.address}: socket error: ${describeTransportError(error)}`),
    );
  }

  private redial(): void {
    const stale = this.client;
    this.client = this.createClient();
    stale.close();
  }
}
