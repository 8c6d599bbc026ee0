import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import {
  ApiProblemResponses,
  INTERNAL_PROBLEM,
  JSON_BODY_PROBLEMS,
  ServiceBannerSchema,
  requestTraceparent,
} from '@ml-system/server-core';
import { ProcessResponseSchema } from '../observability/openapi/gateway.schemas';
import { ProcessRequestDto } from './process-request.dto';
import { ProcessService } from './process.service';
import type { ProcessResponse } from './process.types';

@ApiTags('process')
@Controller()
export class ProcessController {
  constructor(private readonly processing: ProcessService) {}

  @Get()
  @ApiOperation({ summary: 'Service banner' })
  @ApiOkResponse({ type: ServiceBannerSchema })
  root(): { service: string; status: string; version: string } {
    return { service: 'gateway', status: 'running', version: SYSTEM_VERSION };
  }

  /** The seed's endpoint, and its versioned twin. */
  @Post(['process', 'v1/process'])
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log an input and, by default, classify it',
    description:
      'The input is recorded durably before any answer. With `forward_to_model` (default true) it is then sent to ' +
      'the predictor and the prediction is returned. `/v1/process` is the same operation.',
  })
  @ApiBody({
    type: ProcessRequestDto,
    examples: {
      predicted: {
        summary: 'Classify a text',
        value: { data: 'wags its tail when I come home', forward_to_model: true },
      },
      logged: { summary: 'Only log it', value: { data: 'sample input', forward_to_model: false } },
    },
  })
  @ApiOkResponse({
    type: ProcessResponseSchema,
    description: 'Recorded (and classified, when asked)',
    examples: {
      predicted: {
        summary: 'Classified',
        value: {
          status: 'Input logged successfully',
          model_prediction: {
            prediction: {
              class: 'dog',
              confidence: 0.93,
              input_length: 30,
              model: { name: 'animal-text-nb', version: '1.0.0' },
            },
            message: 'Predicted class: dog with 93.0% confidence',
          },
          request_id: '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f',
        },
      },
      logged: {
        summary: 'Only logged',
        value: { status: 'Input logged successfully', request_id: '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f' },
      },
    },
  })
  @ApiProblemResponses(
    ...JSON_BODY_PROBLEMS,
    INTERNAL_PROBLEM,
    {
      status: 502,
      description: 'The predictor failed while handling the input (the input is logged)',
      examples: { PREDICTOR_ERROR: 'The predictor failed to handle the request' },
    },
    {
      status: 503,
      description:
        'The input could not be recorded, or the predictor is unreachable (the input is logged); retry after Retry-After',
      examples: {
        PREDICTOR_UNAVAILABLE: 'Predictor is unavailable: connection refused',
        INPUT_LOG_UNAVAILABLE: 'The input could not be recorded, so it was not accepted; retry later',
      },
      retryAfter: true,
    },
    {
      status: 504,
      description: 'The predictor did not answer within the request deadline (the input is logged)',
      examples: { DEADLINE_EXCEEDED: 'The predictor did not answer within the deadline (1000 ms)' },
    },
  )
  process(@Body() body: ProcessRequestDto, @Req() request: FastifyRequest): Promise<ProcessResponse> {
    return this.processing.process(body, {
      requestId: String(request.id),
      receivedAt: Date.now(),
      traceparent: requestTraceparent(request),
    });
  }
}
