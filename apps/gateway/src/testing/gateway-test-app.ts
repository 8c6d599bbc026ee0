import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureHttpApp, createHttpAdapter } from '@ml-system/server-core';
import { AppModule } from '../app.module';
import { PredictorClient } from '../predictor-client/predictor-client';

/**
 * The gateway's real HTTP pipeline (same adapter, parser, pipes and filters as
 * main.ts) with the predictor client replaced. Requests go through
 * `app.inject()`, which runs Fastify's full request lifecycle without a socket.
 */
export async function gatewayTestApp(predictor: Partial<PredictorClient>): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] })
    .overrideProvider(PredictorClient)
    .useValue(predictor)
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
