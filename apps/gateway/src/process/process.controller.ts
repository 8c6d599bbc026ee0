import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { ApiServiceBanner, requestTraceparent, setRequestOutcome } from '@ml-system/server-core';
import { Public } from '../security/public.decorator';
import { ProcessBody, ProcessBodyPipe } from './process-body.pipe';
import type { ProcessRequestDto } from './process-request.dto';
import { ApiProcess } from './process.docs';
import { ProcessService } from './process.service';
import type { ProcessResponse } from './process.types';

@ApiTags('process')
@Controller()
export class ProcessController {
  constructor(private readonly processing: ProcessService) {}

  /** The banner: open, so that a client can check it reaches the gateway before it has a key. */
  @Public()
  @Get()
  @ApiServiceBanner()
  root(): { service: string; status: string; version: string } {
    return { service: 'gateway', status: 'running', version: SYSTEM_VERSION };
  }

  /** The seed's endpoint, and its versioned twin. */
  @Post(['process', 'v1/process'])
  @HttpCode(200)
  @ApiProcess()
  process(
    @ProcessBody(ProcessBodyPipe) body: ProcessRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<ProcessResponse> {
    return this.processing.process(body, {
      requestId: String(request.id),
      receivedAt: Date.now(),
      traceparent: requestTraceparent(request),
      outcome: (outcome) => setRequestOutcome(request, outcome),
    });
  }
}
