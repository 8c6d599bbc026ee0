import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module';
import { ObservabilityModule } from '../observability/observability.module';
import { InferenceController } from './inference.controller';

/** The Open Inference Protocol v2 REST routes, on the models of the model module. */
@Module({
  imports: [ModelModule, ObservabilityModule],
  controllers: [InferenceController],
})
export class InferenceModule {}
