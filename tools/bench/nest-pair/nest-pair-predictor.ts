import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { TextClassifier } from '@ml-system/text-classifier';
import { RequestLogInterceptor } from './request-log.interceptor';

/**
 * The predictor of the plain NestJS pair (issue #18): a TCP microservice with
 * one `@MessagePattern` handler running the bundled classifier, as Nest's
 * microservices docs write it. No validation, deadline, metrics or tracing.
 */
const modelPath = process.env['MODEL_PATH'] ?? 'apps/predictor/assets/model/animal-text-nb.json';
const classifier = TextClassifier.fromArtifact(JSON.parse(readFileSync(modelPath, 'utf8')));

@Controller()
class PredictController {
  @MessagePattern('predict')
  predict(@Payload() { data }: { data: string }): object {
    const [scored] = classifier.predict([data]);
    const confidence = Math.round((scored?.confidence ?? 0) * 10_000) / 10_000;
    const label = scored?.label ?? 'unknown';
    return {
      prediction: { class: label, confidence, input_length: data.length },
      message: `Predicted class: ${label} with ${(confidence * 100).toFixed(1)}% confidence`,
    };
  }
}

@Module({
  controllers: [PredictController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: RequestLogInterceptor }],
})
class PredictorModule {}

NestFactory.createMicroservice<MicroserviceOptions>(PredictorModule, {
  transport: Transport.TCP,
  options: { host: '127.0.0.1', port: Number(process.env['PORT']) },
})
  .then((app) => app.listen())
  .then(() => process.stdout.write(`nest pair predictor on ${process.env['PORT']}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`nest pair predictor failed: ${String(error)}\n`);
    process.exit(1);
  });
