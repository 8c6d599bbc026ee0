import { Module } from '@nestjs/common';
import { InputLogService } from './input-log.service';

@Module({ providers: [InputLogService], exports: [InputLogService] })
export class InputLogModule {}
