import { Module } from '@nestjs/common';
import { PredictorClient } from './predictor-client';

@Module({ providers: [PredictorClient], exports: [PredictorClient] })
export class PredictorClientModule {}
