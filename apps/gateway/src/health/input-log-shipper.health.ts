import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { InputLogShipping } from '../input-log/shipping/input-log-shipping.service';

/**
 * The shipper to PostgreSQL, when one is configured: down while it fails.
 * That degrades health only: inputs are still taken (into the local log)
 * until the backlog reaches its bound, which the input-log check reports.
 */
@Injectable()
export class InputLogShipperHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shipping: InputLogShipping,
  ) {}

  /** Is there a shipper to report on (INPUT_LOG_DATABASE_URL set)? */
  get enabled(): boolean {
    return this.shipping.active !== null;
  }

  check(key = 'input_log_shipper'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const status = this.shipping.status();
    if (!status) return indicator.up({ state: 'off' });
    const details = {
      state: status.state,
      instance_id: status.instanceId,
      unshipped_records: status.unshippedRecords,
      unshipped_bytes: status.unshippedBytes,
      oldest_unshipped_age_s: Math.round(status.oldestUnshippedAgeSeconds * 1000) / 1000,
      consecutive_failures: status.consecutiveFailures,
    };
    return status.state === 'retrying'
      ? indicator.down({
          ...details,
          reason: `shipping to the database fails: ${status.lastError ?? 'unknown'}`,
        })
      : indicator.up(details);
  }
}
