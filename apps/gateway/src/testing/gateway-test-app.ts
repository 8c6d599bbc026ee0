import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpAdapter } from '@ml-system/server-core';
import { AppModule } from '../app.module';
import { configureGateway, gatewayAdapterOptions } from '../bootstrap';
import { validateGatewayEnv } from '../config/gateway.config';
import { PredictorClient } from '../predictor-client/predictor-client';

/**
 * Runs `build` with `env` added to process.env, then puts process.env back as
 * it was, including the defaults ConfigModule writes into it, so that one
 * spec's settings (API keys, limits) never leak into the next app.
 */
async function withEnv<T>(env: Record<string, string>, build: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await build();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/**
 * The gateway's real HTTP pipeline (same adapter, parser, guards, pipes and
 * filters as main.ts) with the predictor client replaced, configured by the
 * current environment plus `env`. Requests go through `app.inject()`, which
 * runs Fastify's full request lifecycle without a socket.
 */
export async function gatewayTestApp(
  predictor: Partial<PredictorClient>,
  env: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  const app = await withEnv(env, async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] })
      .overrideProvider(PredictorClient)
      .useValue(predictor)
      .compile();
    const built = moduleRef.createNestApplication<NestFastifyApplication>(
      createHttpAdapter(gatewayAdapterOptions(validateGatewayEnv(process.env))),
      { bodyParser: false, logger: false },
    );
    configureGateway(built);
    return built;
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
