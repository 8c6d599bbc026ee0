import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PredictBatchRequestDto, PredictRequestDto, SYSTEM_VERSION } from '@ml-system/contracts';
import type { BatchPredictionResult, ModelInfo, PredictionResult } from '@ml-system/contracts';
import { ApiServiceBanner, setRequestOutcome } from '@ml-system/server-core';
import { HttpDeadline } from '../config/http-deadline';
import { asProblem } from './model-errors.mapping';
import { ApiModelInfo, ApiPredict, ApiPredictBatch } from './predict.docs';
import { PredictService } from './predict.service';

/** The predictor's direct HTTP face: the seed's `/predict`, plus batch and metadata. */
@ApiTags('predict')
@Controller()
export class PredictController {
  constructor(
    private readonly predictions: PredictService,
    private readonly deadline: HttpDeadline,
  ) {}

  @Get()
  @ApiServiceBanner()
  root(): { service: string; status: string; version: string } {
    return { service: 'predictor', status: 'running', version: SYSTEM_VERSION };
  }

  @Post('predict')
  @HttpCode(200)
  @ApiPredict()
  async predict(
    @Body() body: PredictRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<PredictionResult> {
    const result = await this.predictions
      .predictOne(body.input, body, this.deadline.fromNow())
      .catch(asProblem);
    setRequestOutcome(request, 'predicted');
    return result;
  }

  @Post('predict/batch')
  @HttpCode(200)
  @ApiPredictBatch()
  async predictBatch(
    @Body() body: PredictBatchRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<BatchPredictionResult> {
    const predictions = await this.predictions
      .predict(body.inputs, body, this.deadline.fromNow())
      .catch(asProblem);
    setRequestOutcome(request, 'predicted');
    return { predictions };
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
