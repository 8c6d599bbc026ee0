import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ROOT_LOGGER, createHttpAdapter, silentLogger } from '@ml-system/server-core';
import { freePort } from '@ml-system/test-support';
import { AppModule } from '../app.module';
import {
  PREDICTOR_APP_OPTIONS,
  PREDICTOR_HTTP_ADAPTER_OPTIONS,
  configurePredictor,
  listenPredictor,
} from '../bootstrap';
import type { RunningPredictor } from '../bootstrap';
import { MODEL } from '../model/model.port';
import type { ModelPort } from '../model/model.port';

/**
 * The predictor wired exactly as main.ts wires it (HTTP pipeline, hardened TCP
 * server), listening on free loopback ports, with the model replaced. Logs go
 * nowhere unless a spec passes a logger to read them.
 */
export async function startTestPredictor(
  model: ModelPort,
  env: Record<string, string> = {},
  logger: Logger = silentLogger(),
): Promise<RunningPredictor> {
  Object.assign(process.env, {
    PREDICTOR_TCP_HOST: '127.0.0.1',
    PREDICTOR_TCP_PORT: String(await freePort()),
    PREDICTOR_HTTP_HOST: '127.0.0.1',
    PREDICTOR_HTTP_PORT: '0',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] })
    .overrideProvider(MODEL)
    .useValue(model)
    .overrideProvider(ROOT_LOGGER)
    .useValue(logger)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(PREDICTOR_HTTP_ADAPTER_OPTIONS),
    { ...PREDICTOR_APP_OPTIONS, logger: false },
  );
  configurePredictor(app);
  return listenPredictor(app);
}

