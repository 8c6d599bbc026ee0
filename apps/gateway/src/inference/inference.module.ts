import { Module } from '@nestjs/common';
import { InputLogModule } from '../input-log/input-log.module';
import { PredictorClientModule } from '../predictor-client/predictor-client.module';
import { InferenceController } from './inference.controller';
import { InferenceService } from './inference.service';

/** The Open Inference Protocol model routes, forwarded to the predictor. */
@Module({
  imports: [InputLogModule, PredictorClientModule],
  controllers: [InferenceController],
  providers: [InferenceService],
})
export class InferenceModule {}
