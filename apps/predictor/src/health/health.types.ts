import type { HealthCheckResult } from '@nestjs/terminus';

export interface PredictorHealthBody extends Omit<HealthCheckResult, 'status'> {
  service: 'predictor';
  status: 'healthy' | 'unhealthy';
}
