import { Global, Module } from '@nestjs/common';
import { LifecycleService } from './lifecycle.service';

/** One draining flag per process, shared by health, controllers and clients. */
@Global()
@Module({ providers: [LifecycleService], exports: [LifecycleService] })
export class LifecycleModule {}
