import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { InputLogModule } from '../input-log/input-log.module';
import { PredictorClientModule } from '../predictor-client/predictor-client.module';
import { HealthController } from './health.controller';
import { InputLogShipperHealthIndicator } from './input-log-shipper.health';
import { InputLogHealthIndicator } from './input-log.health';
import { PredictorHealthIndicator } from './predictor.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), InputLogModule, PredictorClientModule],
  controllers: [HealthController],
  providers: [PredictorHealthIndicator, InputLogHealthIndicator, InputLogShipperHealthIndicator],
})
export class HealthModule {}
