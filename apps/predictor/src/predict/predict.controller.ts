import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PredictBatchRequestDto, PredictRequestDto, SYSTEM_VERSION } from '@ml-system/contracts';
import type { BatchPredictionResult, ModelInfo, PredictionResult } from '@ml-system/contracts';
import { ApiServiceBanner, setRequestOutcome } from '@ml-system/server-core';
import { ApiModelInfo, ApiPredict, ApiPredictBatch } from './predict.docs';
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
  predict(@Body() body: PredictRequestDto, @Req() request: FastifyRequest): PredictionResult {
    const result = this.predictions.predictOne(body.input);
    setRequestOutcome(request, 'predicted');
    return result;
  }

  @Post('predict/batch')
  @HttpCode(200)
  @ApiPredictBatch()
  predictBatch(
    @Body() body: PredictBatchRequestDto,
    @Req() request: FastifyRequest,
  ): BatchPredictionResult {
    const predictions = this.predictions.predict(body.inputs);
    setRequestOutcome(request, 'predicted');
    return { predictions };
  }

  @Get('model')
  @ApiModelInfo()
  model(): ModelInfo {
    return this.predictions.info();
  }
}
