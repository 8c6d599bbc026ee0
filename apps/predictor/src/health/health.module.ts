import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ModelModule } from '../model/model.module';
import { HealthController } from './health.controller';
import { ModelHealthIndicator } from './model.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ModelModule],
  controllers: [HealthController],
  providers: [ModelHealthIndicator],
})
export class HealthModule {}
