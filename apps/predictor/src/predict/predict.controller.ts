import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PredictBatchRequestDto, PredictRequestDto, SYSTEM_VERSION } from '@ml-system/contracts';
import type { BatchPredictionResult, ModelInfo, PredictionResult } from '@ml-system/contracts';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  PredictionResultSchema,
  ServiceBannerSchema,
} from '@ml-system/server-core';
import {
  BatchPredictionResultSchema,
  ModelInfoSchema,
  PredictBatchRequestSchema,
  PredictRequestSchema,
} from '../observability/openapi/predictor.schemas';
import { PredictService } from './predict.service';

/** The predictor's direct HTTP face: the seed's `/predict`, plus batch and metadata. */
@ApiTags('predict')
@Controller()
export class PredictController {
  constructor(private readonly predictions: PredictService) {}

  @Get()
  @ApiOperation({ summary: 'Service banner' })
  @ApiOkResponse({ type: ServiceBannerSchema })
  root(): { service: string; status: string; version: string } {
    return { service: 'predictor', status: 'running', version: SYSTEM_VERSION };
  }

  @Post('predict')
  @HttpCode(200)
  @ApiOperation({ summary: 'Classify one text' })
  @ApiBody({ type: PredictRequestSchema })
  @ApiOkResponse({ type: PredictionResultSchema })
  @ApiProblemResponses(...JSON_BODY_PROBLEMS, INTERNAL_PROBLEM)
  predict(@Body() body: PredictRequestDto): PredictionResult {
    return this.predictions.predictOne(body.input);
  }

  @Post('predict/batch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Classify several texts in one call, in order' })
  @ApiBody({ type: PredictBatchRequestSchema })
  @ApiOkResponse({ type: BatchPredictionResultSchema })
  @ApiProblemResponses(...JSON_BODY_PROBLEMS, INTERNAL_PROBLEM)
  predictBatch(@Body() body: PredictBatchRequestDto): BatchPredictionResult {
    return { predictions: this.predictions.predict(body.inputs) };
  }

  @Get('model')
  @ApiOperation({ summary: 'The loaded model: name, version, classes, training metadata' })
  @ApiOkResponse({ type: ModelInfoSchema })
  model(): ModelInfo {
    return this.predictions.info();
  }
}
