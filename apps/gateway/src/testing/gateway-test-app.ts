import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ROOT_LOGGER, configureHttpApp, createHttpAdapter, silentLogger } from '@ml-system/server-core';
import { AppModule } from '../app.module';
import { PredictorClient } from '../predictor-client/predictor-client';

/**
 * The gateway's real HTTP pipeline (same adapter, parser, pipes and filters as
 * main.ts) with the predictor client replaced. Requests go through
 * `app.inject()`, which runs Fastify's full request lifecycle without a socket.
 * Logs go nowhere unless a spec passes a logger to read them.
 */
export async function gatewayTestApp(
  predictor: Partial<PredictorClient>,
  logger: Logger = silentLogger(),
): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] })
    .overrideProvider(PredictorClient)
    .useValue(predictor)
    .overrideProvider(ROOT_LOGGER)
    .useValue(logger)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter({ bodyLimit: 64 * 1024 }),
    { bodyParser: false, logger: false },
  );
  configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
