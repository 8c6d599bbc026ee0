import { Module } from '@nestjs/common';
import { InputLogModule } from '../input-log/input-log.module';
import { PredictorClientModule } from '../predictor-client/predictor-client.module';
import { ProcessController } from './process.controller';
import { ProcessService } from './process.service';

@Module({
  imports: [InputLogModule, PredictorClientModule],
  controllers: [ProcessController],
  providers: [ProcessService],
})
export class ProcessModule {}
