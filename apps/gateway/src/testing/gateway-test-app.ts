import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ROOT_LOGGER, createHttpAdapter, silentLogger } from '@ml-system/server-core';
import { AppModule } from '../app.module';
import { configureGateway, gatewayAdapterOptions } from '../bootstrap';
import { validateGatewayEnv } from '../config/gateway.config';
import { InputLogWriteService } from '../input-log/input-log-write.service';
import { PredictorClient } from '../predictor-client/predictor-client';
import { makeTempDir, removeTempDir } from './temp-dir';

export interface GatewayTestOptions {
  /**
   * Environment for this app alone, e.g. `INPUT_LOG_DIR`. Without one, the app
   * gets a fresh input log directory, removed when it closes.
   */
  env?: Record<string, string>;
  /** Where the app's pino lines go; silent unless a spec wants to read them. */
  logger?: Logger;
}

/**
 * Runs `build` with `env` applied to `process.env`, then restores it exactly:
 * ConfigModule reads the environment while the module is built, and writes
 * every default it filled back into `process.env`, which would leak into the
 * next app a spec builds.
 */
async function withEnv<T>(env: Record<string, string>, build: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await build();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * The gateway's real HTTP pipeline (same adapter, parser, pipes and filters as
 * main.ts) with the predictor client replaced. Requests go through
 * `app.inject()`, which runs Fastify's full request lifecycle without a socket.
 */
export async function gatewayTestApp(
  predictor: Partial<PredictorClient>,
  options: GatewayTestOptions = {},
): Promise<NestFastifyApplication> {
  const ownDir = options.env?.['INPUT_LOG_DIR'] ? null : await makeTempDir('input-log');
  const env = { ...(ownDir ? { INPUT_LOG_DIR: ownDir } : {}), ...options.env };
  const moduleRef = await withEnv(env, () =>
    Test.createTestingModule({
      imports: [AppModule.forRoot()],
      // Nest calls this hook on the root module last, after the input log has closed its files.
      providers: ownDir
        ? [
            {
              provide: 'TEST_INPUT_LOG_DIR',
              useValue: { onApplicationShutdown: () => removeTempDir(ownDir) },
            },
          ]
        : [],
    })
      .overrideProvider(PredictorClient)
      .useValue(predictor)
      .overrideProvider(ROOT_LOGGER)
      .useValue(options.logger ?? silentLogger())
      .compile(),
  );
  // The adapter's settings (body limit, slow-client timeouts) from the same validated env.
  const adapterOptions = await withEnv(env, async () =>
    gatewayAdapterOptions(validateGatewayEnv(process.env)),
  );
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(adapterOptions),
    {
      bodyParser: false,
      logger: false,
    },
  );
  configureGateway(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  // Recovery runs in the background in production; a spec starts once it is done.
  await app.get(InputLogWriteService).whenOpen();
  return app;
}
