import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module';
import { PredictController } from './predict.controller';
import { PredictRpcController } from './predict.rpc-controller';
import { PredictService } from './predict.service';

@Module({
  imports: [ModelModule],
  controllers: [PredictController, PredictRpcController],
  providers: [PredictService],
  exports: [PredictService],
})
export class PredictModule {}
