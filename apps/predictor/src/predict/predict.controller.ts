import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PredictBatchRequestDto, PredictRequestDto, SYSTEM_VERSION } from '@ml-system/contracts';
import type { BatchPredictionResult, ModelInfo, PredictionResult } from '@ml-system/contracts';
import { ApiServiceBanner } from '@ml-system/server-core';
import { ApiModelInfo, ApiPredict, ApiPredictBatch } from '../observability/openapi/predictor.docs';
import { asProblem } from './model-errors.mapping';
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
  predict(@Body() body: PredictRequestDto): Promise<PredictionResult> {
    return this.predictions.predictOne(body.input, body).catch(asProblem);
  }

  @Post('predict/batch')
  @HttpCode(200)
  @ApiPredictBatch()
  async predictBatch(@Body() body: PredictBatchRequestDto): Promise<BatchPredictionResult> {
    return { predictions: await this.predictions.predict(body.inputs, body).catch(asProblem) };
  }

  @Get('model')
  @ApiModelInfo()
  model(): ModelInfo {
    try {
      return this.predictions.info();
    } catch (error) {
      return asProblem(error);
    }
  }
}
