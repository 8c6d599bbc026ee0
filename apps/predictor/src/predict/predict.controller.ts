import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PredictBatchRequestDto, PredictRequestDto, SYSTEM_VERSION } from '@ml-system/contracts';
import type { BatchPredictionResult, ModelInfo, PredictionResult } from '@ml-system/contracts';
import { ApiServiceBanner } from '@ml-system/server-core';
import { ApiModelInfo, ApiPredict, ApiPredictBatch } from '../observability/openapi/predictor.docs';
import { PredictService } from './predict.service';

/** The predictor's direct HTTP face: the seed's `/predict`, plus batch and metadata. */
@ApiTags('predict')
@Controller()
export class PredictController {
  constructor(private readonly predictions: PredictService) {}

  @Get()
  @ApiServiceBanner()
  root(): { service: string; status: string; version: string } {
    return { service: 'predictor', status: 'running', version: SYSTEM_VERSION };
  }

  @Post('predict')
  @HttpCode(200)
  @ApiPredict()
  predict(@Body() body: PredictRequestDto): PredictionResult {
    return this.predictions.predictOne(body.input);
  }

  @Post('predict/batch')
  @HttpCode(200)
  @ApiPredictBatch()
  predictBatch(@Body() body: PredictBatchRequestDto): BatchPredictionResult {
    return { predictions: this.predictions.predict(body.inputs) };
  }

  @Get('model')
  @ApiModelInfo()
  model(): ModelInfo {
    return this.predictions.info();
  }
}
