import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule, Transport } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom } from 'rxjs';
import { RequestLogInterceptor } from './request-log.interceptor';

/**
 * The gateway of the plain NestJS pair (issue #18): what a user would write
 * from Nest's docs. A Fastify-adapter controller that calls the predictor
 * with `ClientProxy.send` (ClientsModule, Transport.TCP), one log line per
 * request, and nothing else: no validation, durable log, metrics, tracing,
 * auth, rate limit or resilience policy. Having no durable log, its "local"
 * answer is just an answer without forwarding.
 */
const PREDICTOR = Symbol('PREDICTOR');
const LOGGED = 'Input logged successfully';

interface ProcessBody {
  data: string;
  forward_to_model?: boolean;
}

@Controller()
class ProcessController {
  constructor(@Inject(PREDICTOR) private readonly predictor: ClientProxy) {}

  @Post('process')
  @HttpCode(200)
  async process(@Body() body: ProcessBody): Promise<object> {
    const requestId = randomUUID();
    if (body.forward_to_model === false) return { status: LOGGED, request_id: requestId };
    const prediction = await firstValueFrom(
      this.predictor.send<object, { data: string }>('predict', { data: body.data }),
    );
    return { status: LOGGED, model_prediction: prediction, request_id: requestId };
  }
}

@Module({
  imports: [
    ClientsModule.register([
      {
        name: PREDICTOR,
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: Number(process.env['BACKEND_PORT']) },
      },
    ]),
  ],
  controllers: [ProcessController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: RequestLogInterceptor }],
})
class GatewayModule {}

NestFactory.create<NestFastifyApplication>(GatewayModule, new FastifyAdapter())
  .then((app) => app.listen(Number(process.env['PORT']), '127.0.0.1'))
  .then(() => process.stdout.write(`nest pair gateway on ${process.env['PORT']}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`nest pair gateway failed: ${String(error)}\n`);
    process.exit(1);
  });
