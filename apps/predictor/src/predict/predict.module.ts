import { Module } from '@nestjs/common';
import { HttpDeadline } from '../config/http-deadline';
import { ModelModule } from '../model/model.module';
import { ObservabilityModule } from '../observability/observability.module';
import { RPC_FAILURES, RpcTelemetry } from '../observability/rpc-telemetry.service';
import { PredictController } from './predict.controller';
import { PredictRpcController } from './predict.rpc-controller';
import { PredictService } from './predict.service';
import { RPC_FAILURE_POLICY } from './rpc-errors';

@Module({
  imports: [ModelModule, ObservabilityModule],
  controllers: [PredictController, PredictRpcController],
  providers: [
    HttpDeadline,
    PredictService,
    RpcTelemetry,
    { provide: RPC_FAILURES, useValue: RPC_FAILURE_POLICY },
  ],
  exports: [PredictService],
})
export class PredictModule {}
