import { Module } from '@nestjs/common';
import { InputLogModule } from '../input-log/input-log.module';
import { PredictorClientModule } from '../predictor-client/predictor-client.module';
import { ProcessBodyPipe } from './process-body.pipe';
import { ProcessController } from './process.controller';
import { ProcessService } from './process.service';

@Module({
  imports: [InputLogModule, PredictorClientModule],
  controllers: [ProcessController],
  providers: [ProcessService, ProcessBodyPipe],
})
export class ProcessModule {}
