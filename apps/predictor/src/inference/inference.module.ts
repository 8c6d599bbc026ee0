import { Module } from '@nestjs/common';
import { HttpDeadline } from '../config/http-deadline';
import { ModelModule } from '../model/model.module';
import { ObservabilityModule } from '../observability/observability.module';
import { RPC_FAILURES, RpcTelemetry } from '../observability/rpc-telemetry.service';
import { RPC_FAILURE_POLICY } from '../predict/rpc-errors';
import { InferenceController } from './inference.controller';
import { InferenceRpcController } from './inference.rpc-controller';
import { InferenceService } from './inference.service';

/**
 * The Open Inference Protocol on the models of the model module: the v2 REST
 * routes, and the same operations as TCP message patterns for the gateway.
 */
@Module({
  imports: [ModelModule, ObservabilityModule],
  controllers: [InferenceController, InferenceRpcController],
  providers: [
    HttpDeadline,
    InferenceService,
    RpcTelemetry,
    { provide: RPC_FAILURES, useValue: RPC_FAILURE_POLICY },
  ],
})
export class InferenceModule {}
