import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { GatewayEnv } from '../config/gateway.config';
import { GatewayMetrics } from '../observability/gateway.metrics';
import { ObservabilityModule } from '../observability/observability.module';
import { InputLogQueryService } from './input-log-query.service';
import { InputLogWriteService } from './input-log-write.service';
import { INPUT_LOG_OPTIONS } from './input-log.constants';
import { inputLogOptionsFromEnv } from './input-log.options';
import { INPUT_LOG_STORE } from './input-log.store';
import { LogsController } from './logs.controller';
import { InputLogShipping } from './shipping/input-log-shipping.service';
import { SegmentLogStore } from './storage/segment-log.store';

@Module({
  imports: [ObservabilityModule],
  controllers: [LogsController],
  providers: [
    {
      provide: INPUT_LOG_OPTIONS,
      inject: [ConfigService, GatewayMetrics],
      useFactory: (config: ConfigService<GatewayEnv, true>, metrics: GatewayMetrics) => ({
        ...inputLogOptionsFromEnv(config),
        onBatchDurable: (records: number, fsyncSeconds: number) => {
          metrics.inputLogFsync(fsyncSeconds);
          metrics.inputLogRecord(records);
        },
      }),
    },
    SegmentLogStore,
    { provide: INPUT_LOG_STORE, useExisting: SegmentLogStore },
    InputLogShipping,
    InputLogWriteService,
    InputLogQueryService,
  ],
  exports: [InputLogWriteService, InputLogQueryService, InputLogShipping],
})
export class InputLogModule {}
