import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { PredictorClient } from './predictor-client';

@Module({
  imports: [ObservabilityModule],
  providers: [PredictorClient],
  exports: [PredictorClient],
})
export class PredictorClientModule {}
