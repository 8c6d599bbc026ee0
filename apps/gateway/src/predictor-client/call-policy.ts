import { Logger } from '@nestjs/common';
import {
  ExponentialBackoff,
  bulkhead,
  decorrelatedJitterGenerator,
  handleWhen,
  isBulkheadRejectedError,
  retry,
} from 'cockatiel';
import type { BulkheadPolicy, IRetryBackoffContext, RetryPolicy } from 'cockatiel';
import { isPredictorError } from '@ml-system/contracts';
import { DeadlineBackoff } from './deadline-backoff';
import { classify } from './failure';
import type { EndpointPool, PickFilter } from './endpoint-pool';
import type { PredictorEndpoint } from './endpoint';
import {
  CircuitOpenError,
  PredictorOverloadedError,
  PredictorTimeoutError,
  PredictorUnavailableError,
} from './predictor.errors';
import type { RetryBudget } from './retry-budget';

/**
 * What telemetry sees of a call: each attempt (its span becomes the parent of
 * the predictor's, so it may rewrite the message's traceparent), each retry,
 * and each call refused before any attempt. The policy does not know metrics.
 */
export interface CallObserver {
  attempt(
    pattern: string,
    endpoint: string,
    message: object,
  ): { message: object; end(error?: unknown): void };
  retried(): void;
  rejected(reason: 'CIRCUIT_OPEN' | 'OVERLOADED'): void;
}

export interface CallPolicyOptions {
  pool: EndpointPool;
  observer?: CallObserver;
  budget: RetryBudget;
  /** PREDICTOR_TIMEOUT_MS: the most one attempt may wait. */
  attemptTimeoutMs: number;
  /** PREDICTOR_RETRIES: attempts after the first. */
  retries: number;
  /** MAX_IN_FLIGHT: calls running at once; one more is refused, never queued. */
  maxInFlight: number;
  /** First backoff before a retry (jittered, doubling up to `backoffMaxMs`). */
  backoffMs: number;
  backoffMaxMs: number;
  now?: () => number;
}

/**
 * An attempt is only retried when there is less time to wait than this left:
 * below it the retry would time out anyway, and the deadline is near.
 */
export const MIN_ATTEMPT_MS = 20;

/** The pick of a call's first attempt: nothing tried or excluded yet. */
const ANY_ENDPOINT: PickFilter = Object.freeze({});
const NONE_EXCLUDED: ReadonlySet<PredictorEndpoint> = new Set();

/** Carries a failure that the policy decided to retry, and its call's deadline; never leaves this file. */
class RetryableFailure extends Error {
  constructor(
    readonly failure: Error,
    readonly deadline: number,
  ) {
    super('retryable predictor failure');
  }
}

/** The deadline of the call whose failure the retry backs off from (only RetryableFailures are retried). */
function deadlineOfRetry(context: IRetryBackoffContext<unknown>): number {
  const { result } = context;
  return 'error' in result && result.error instanceof RetryableFailure
    ? result.error.deadline
    : Number.NEGATIVE_INFINITY;
}

/**
 * How one call reaches the predictor: a cockatiel bulkhead (MAX_IN_FLIGHT,
 * queue 0) around a cockatiel retry (exponential backoff with decorrelated
 * jitter) around one attempt on one endpoint from the pool (the endpoint
 * brings its breaker and timeout).
 *
 * The retry decision is ours, made inside the attempt, because it needs what
 * cockatiel's error filter does not see: which endpoint failed and how, the
 * deadline, the retry budget, whether another endpoint is available. A failure
 * is retried only when all of these hold:
 * - no answer came back (refused, reset, closed, timed out) or the predictor
 *   said it takes no work (SHUTTING_DOWN, MODEL_NOT_READY): it did nothing;
 * - attempts remain (PREDICTOR_RETRIES) and the deadline leaves time for one;
 * - an endpoint is available, not counting one that timed out in this request
 *   (a hung endpoint is not asked twice);
 * - the retry budget grants a token (retries stay a bounded share of traffic).
 */
export class CallPolicy {
  private readonly logger = new Logger(CallPolicy.name);
  private readonly pool: EndpointPool;
  private readonly observer: CallObserver | undefined;
  private readonly budget: RetryBudget;
  private readonly attemptTimeoutMs: number;
  private readonly retries: number;
  private readonly maxInFlight: number;
  private readonly bulkhead: BulkheadPolicy;
  /** One for every call: a call's state lives in its `execute`, its deadline in its failures. */
  private readonly retry: RetryPolicy;
  private readonly now: () => number;

  constructor(options: CallPolicyOptions) {
    this.pool = options.pool;
    this.observer = options.observer;
    this.budget = options.budget;
    this.attemptTimeoutMs = options.attemptTimeoutMs;
    this.retries = options.retries;
    this.maxInFlight = options.maxInFlight;
    this.now = options.now ?? (() => Date.now());
    const backoff = new ExponentialBackoff({
      initialDelay: options.backoffMs,
      maxDelay: options.backoffMaxMs,
      generator: decorrelatedJitterGenerator,
    });
    this.bulkhead = bulkhead(options.maxInFlight, 0);
    this.retry = retry(
      handleWhen((error) => error instanceof RetryableFailure),
      {
        maxAttempts: this.retries,
        backoff: new DeadlineBackoff(backoff, deadlineOfRetry, MIN_ATTEMPT_MS, this.now),
      },
    );
  }

  /** Calls running now (each may be on its first attempt or a retry). */
  get inFlight(): number {
    return this.maxInFlight - this.bulkhead.executionSlots;
  }

  /**
   * Sends `message` to some endpoint, with retries, before `deadline`.
   * @throws PredictorOverloadedError at MAX_IN_FLIGHT calls.
   * @throws CircuitOpenError when no endpoint can take a call (every breaker open).
   * @throws PredictorUnavailableError when no endpoint is known or none answered.
   * @throws PredictorTimeoutError when the attempt or the deadline ran out.
   * @throws PredictorError when the predictor answered with an error.
   */
  async execute<T>(pattern: string, message: object, deadline: number): Promise<T> {
    if (deadline - this.now() <= 0) throw new PredictorTimeoutError(0);
    try {
      return await this.bulkhead.execute(() => this.withRetries<T>(pattern, message, deadline));
    } catch (error) {
      if (isBulkheadRejectedError(error)) {
        this.observer?.rejected('OVERLOADED');
        throw new PredictorOverloadedError(this.maxInFlight);
      }
      if (CircuitOpenError.is(error)) this.observer?.rejected('CIRCUIT_OPEN');
      throw error;
    }
  }

  private async withRetries<T>(pattern: string, message: object, deadline: number): Promise<T> {
    const started = this.now();
    // Made at the first failure, the only way to a second pick: most calls never need them.
    let tried: Set<PredictorEndpoint> | undefined;
    let exclude: Set<PredictorEndpoint> | undefined;
    let previous: Error | undefined;
    this.budget.deposit();
    try {
      return await this.retry.execute(async ({ attempt }) => {
        const endpoint = this.pool.pick(tried ? { exclude, tried } : ANY_ENDPOINT);
        if (!endpoint) throw previous ?? this.nothingAvailable();
        const left = deadline - this.now();
        if (left <= 0) throw new PredictorTimeoutError(this.now() - started);
        const observed = this.observer?.attempt(pattern, endpoint.address, message);
        try {
          const reply = await endpoint.send<T>(
            pattern,
            observed?.message ?? message,
            Math.min(this.attemptTimeoutMs, left),
          );
          observed?.end();
          return reply;
        } catch (error) {
          observed?.end(error);
          (tried ??= new Set()).add(endpoint);
          // The endpoint only throws marked Errors; anything else is a bug, seen as "no answer".
          previous =
            error instanceof Error ? error : new PredictorUnavailableError('unexpected failure');
          if (PredictorTimeoutError.is(previous)) (exclude ??= new Set()).add(endpoint);
          if (this.mayRetry(previous, attempt, deadline, exclude ?? NONE_EXCLUDED)) {
            this.logger.debug(
              `retrying ${pattern} after ${endpoint.address}: ${describe(previous)}`,
            );
            this.observer?.retried();
            throw new RetryableFailure(previous, deadline);
          }
          throw previous;
        }
      });
    } catch (error) {
      throw error instanceof RetryableFailure ? error.failure : error;
    }
  }

  private mayRetry(
    error: unknown,
    attempt: number,
    deadline: number,
    exclude: ReadonlySet<PredictorEndpoint>,
  ): boolean {
    if (attempt >= this.retries || !classify(error).retryable) return false;
    if (deadline - this.now() <= MIN_ATTEMPT_MS) return false;
    if (!this.pool.hasAvailable({ exclude })) return false;
    // Last, because it spends a token.
    if (this.budget.tryWithdraw()) return true;
    this.logger.debug('retry budget spent: not retrying');
    return false;
  }

  private nothingAvailable(): Error {
    if (this.pool.size === 0) return new PredictorUnavailableError('no predictor address is known');
    return new CircuitOpenError(this.pool.size, this.pool.retryAfterSeconds());
  }
}

function describe(error: Error): string {
  return isPredictorError(error) ? `answered ${error.code}` : error.message;
}
