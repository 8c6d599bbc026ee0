import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { setTimeout as sleep } from 'node:timers/promises';

export const SHUTDOWN_DRAIN_MS = 'SHUTDOWN_DRAIN_MS';

/**
 * Knows whether the process is draining. On SIGTERM Nest calls
 * `beforeApplicationShutdown` while the servers still serve: readiness turns
 * 503 here, and the optional drain delay gives load balancers time to notice
 * before the servers stop accepting (in-flight requests then finish in close()).
 */
@Injectable()
export class LifecycleService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LifecycleService.name);
  private drainingSince: number | null = null;
  private drainDelayMs = 0;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** A Terminus-shaped result for readiness: `draining` is down once SIGTERM arrived. */
  readiness(): HealthIndicatorResult {
    return this.draining
      ? { lifecycle: { status: 'down', draining: true } }
      : { lifecycle: { status: 'up', draining: false } };
  }

  setDrainDelay(ms: number): void {
    this.drainDelayMs = ms;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.drainingSince = Date.now();
    this.logger.log(`shutting down${signal ? ` (${signal})` : ''}: readiness is now 503`);
    if (this.drainDelayMs > 0) await sleep(this.drainDelayMs);
  }
}
