import type { HealthCheckResult } from '@nestjs/terminus';

export type GatewayStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface GatewayHealthBody extends Omit<HealthCheckResult, 'status'> {
  service: 'gateway';
  status: GatewayStatus;
}

/** Down, these leave the gateway taking inputs: the predictor, and the shipper to the database below its backlog bound. */
const DEGRADING = new Set(['predictor', 'input_log_shipper']);

/**
 * healthy: everything up. degraded (still 200): only the predictor or the
 * shipper is down, so inputs are still logged and `forward_to_model: false` still works.
 * unhealthy (503): the gateway itself cannot accept inputs.
 */
export function gatewayStatus(result: HealthCheckResult): GatewayStatus {
  const down = Object.keys(result.error ?? {});
  if (down.length === 0) return 'healthy';
  return down.every((key) => DEGRADING.has(key)) ? 'degraded' : 'unhealthy';
}
