import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { InputLogWriteService } from '../input-log/input-log-write.service';

/** Up while inputs can be recorded; without that the gateway must not acknowledge anything. */
@Injectable()
export class InputLogHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly inputLog: InputLogWriteService,
  ) {}

  check(key = 'input_log'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    return this.inputLog.writable()
      ? indicator.up()
      : indicator.down({
          reason: this.inputLog.unavailableReason() ?? 'the input log cannot be written',
        });
  }
}
