import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { SYSTEM_VERSION } from '@ml-system/contracts';
import { ApiServiceBanner, requestTraceparent, setRequestOutcome } from '@ml-system/server-core';
import { Public } from '../security/public.decorator';
import { ServedByFastify } from '../served-by-fastify/served-by-fastify.decorator';
import { ProcessBodyPipe } from './process-body.pipe';
import type { ProcessRequestDto } from './process-request.dto';
import { ApiProcess } from './process.docs';
import { ProcessService } from './process.service';
import type { ProcessResponse } from './process.types';

@ApiTags('process')
@Controller()
export class ProcessController {
  constructor(
    private readonly processing: ProcessService,
    private readonly bodies: ProcessBodyPipe,
  ) {}

  /** The banner: open, so that a client can check it reaches the gateway before it has a key. */
  @Public()
  @Get()
  @ApiServiceBanner()
  root(): { service: string; status: string; version: string } {
    return { service: 'gateway', status: 'running', version: SYSTEM_VERSION };
  }

  /**
   * The seed's endpoint, and its versioned twin. Served by Fastify straight
   * to this method, past Nest's router (see `installFastifyServedRoutes`): no Nest
   * guard, pipe, interceptor or parameter decorator runs for it.
   */
  @Post(['process', 'v1/process'])
  @HttpCode(200)
  @ServedByFastify()
  @ApiProcess()
  process(@Req() request: FastifyRequest): Promise<ProcessResponse> {
    // Validated here, not by a parameter pipe (see ProcessBodyPipe); a refusal
    // is rejected into the problem+json filter (installFastifyServedRoutes calls it).
    const body = this.bodies.validate(request.body);
    return body instanceof Promise
      ? body.then((valid) => this.accept(valid, request))
      : this.accept(body, request);
  }

  private accept(body: ProcessRequestDto, request: FastifyRequest): Promise<ProcessResponse> {
    return this.processing.process(body, {
      requestId: String(request.id),
      receivedAt: Date.now(),
      // Only a forwarded input travels on, with its trace: no string per logged-only request.
      traceparent: body.forward_to_model ? requestTraceparent(request) : undefined,
      outcome: (outcome) => setRequestOutcome(request, outcome),
    });
  }
}
