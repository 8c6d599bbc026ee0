import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../observability.constants';

const EXPOSITION = 'text/plain; version=0.0.4';

/** Prometheus scrape endpoint, on both apps. */
@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Text exposition format 0.0.4: request latency, RPC latency and outcomes, process metrics.',
  })
  @ApiProduces(EXPOSITION)
  @ApiOkResponse({
    description: 'The current value of every metric',
    content: {
      [EXPOSITION]: {
        schema: { type: 'string' },
        example:
          '# HELP http_request_duration_seconds HTTP requests served ...\n# TYPE http_request_duration_seconds histogram\n' +
          'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/process",status_code="200"} 42\n',
      },
    },
  })
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.type(this.registry.contentType);
    return this.registry.metrics();
  }
}
