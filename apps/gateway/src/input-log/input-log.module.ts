import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { GatewayEnv } from '../config/gateway.config';
import { GatewayMetrics } from '../observability/gateway.metrics';
import { INPUT_LOG_OPTIONS } from './input-log.constants';
import { inputLogOptionsFromEnv } from './input-log.options';
import { InputLogService } from './input-log.service';
import { LogsController } from './logs.controller';

@Module({
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
    InputLogService,
  ],
  exports: [InputLogService],
})
export class InputLogModule {}
