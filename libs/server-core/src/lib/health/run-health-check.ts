import { ServiceUnavailableException } from '@nestjs/common';
import type {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
} from '@nestjs/terminus';

/**
 * Runs Terminus checks and returns the result whether it passed or not:
 * Terminus reports "down" by throwing, but our health bodies need the details
 * either way to decide between healthy, degraded and unhealthy.
 */
export async function runHealthCheck(
  health: HealthCheckService,
  indicators: HealthIndicatorFunction[],
): Promise<HealthCheckResult> {
  try {
    return await health.check(indicators);
  } catch (error) {
    if (error instanceof ServiceUnavailableException) {
      return error.getResponse() as HealthCheckResult;
    }
    throw error;
  }
}
