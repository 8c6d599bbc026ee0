import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  LifecycleService,
  PinoNestLogger,
  configureHttpApp,
  createHttpAdapter,
} from '@ml-system/server-core';
import { AppModule } from './app.module';
import { validateGatewayEnv } from './config/gateway.config';
import type { GatewayEnv } from './config/gateway.config';
import { serveGatewayOpenApi } from './observability/openapi/gateway.openapi';

export interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
}

/** Builds the gateway app, configured exactly as in production, without listening. */
export async function createGateway(): Promise<NestFastifyApplication> {
  // The adapter is made before the module, so read the body limit the same validated way.
  const { BODY_LIMIT_BYTES } = validateGatewayEnv(process.env);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(),
    createHttpAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    // Lines logged while the module builds wait for the pino logger, made by the module itself.
    { abortOnError: false, bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  configureHttpApp(app);
  serveGatewayOpenApi(app);
  const config = app.get<ConfigService<GatewayEnv, true>>(ConfigService);
  app.get(LifecycleService).setDrainDelay(config.get('SHUTDOWN_DRAIN_MS', { infer: true }));
  return app;
}

/** Builds and starts the gateway. Used by main.ts and the specs. */
export async function startGateway(): Promise<RunningGateway> {
  const app = await createGateway();
  const config = app.get<ConfigService<GatewayEnv, true>>(ConfigService);
  const host = config.get('GATEWAY_HOST', { infer: true });
  await app.listen({ port: config.get('GATEWAY_PORT', { infer: true }), host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  new Logger('Gateway').log(
    `ready: HTTP ${host}:${port}, predictor at ${config.get('PREDICTOR_ENDPOINTS', { infer: true })}`,
  );
  return { app, url: `http://127.0.0.1:${port}` };
}
