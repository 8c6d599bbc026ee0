import 'reflect-metadata';
import { BadRequestException, Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connectRawBackend, floorAnswer } from './raw-backend';

/**
 * Framework floor 2: the same logic as a plain Nest controller on the Fastify
 * adapter (no guard, pipe, interceptor or filter of ours). What any feature
 * of ours costs comes on top of this.
 */
const backend = connectRawBackend(Number(process.env['BACKEND_PORT']));

@Controller()
class FloorController {
  @Post('process')
  @HttpCode(200)
  async process(@Body() body: unknown): Promise<object> {
    const answer = await floorAnswer(backend, body);
    if (!answer) throw new BadRequestException('data must be a string');
    return answer;
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), { logger: false })
  .then((app) => app.listen(Number(process.env['PORT']), '127.0.0.1'))
  .then(() => process.stdout.write(`nest floor on ${process.env['PORT']}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`nest floor failed: ${String(error)}\n`);
    process.exit(1);
  });
