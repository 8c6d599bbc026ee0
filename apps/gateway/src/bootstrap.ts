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
import type { HttpAdapterOptions } from '@ml-system/server-core';
import { AppModule } from './app.module';
import { validateGatewayEnv } from './config/gateway.config';
import { InputLogWriteService } from './input-log/input-log-write.service';
import type { GatewayEnv } from './config/gateway.config';
import { serveGatewayOpenApi } from './gateway.openapi';
import { configureCors } from './security/cors';
import { installFastifyServedRoutes } from './served-by-fastify/served-by-fastify.route';
import { SecurityHooks } from './security/security.hooks';

export interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
}

/** The adapter's options from the validated environment (body limit, slow-client timeouts). */
export function gatewayAdapterOptions(env: GatewayEnv): HttpAdapterOptions {
  return {
    bodyLimit: env.BODY_LIMIT_BYTES,
    timeouts: {
      requestMs: env.HTTP_REQUEST_TIMEOUT_MS,
      headersMs: env.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
  };
}

/**
 * Everything between creating the app and listening: the shared HTTP
 * pipeline, CORS and the drain delay. The specs call it on their app too, so
 * they test the same wiring.
 */
export function configureGateway(app: NestFastifyApplication): void {
  configureHttpApp(app);
  // Before the routes register (at init): the hooks attach to each route as it does.
  app.get(SecurityHooks).install(app);
  installFastifyServedRoutes(app);
  const config = app.get<ConfigService<GatewayEnv, true>>(ConfigService);
  configureCors(app, config.get('CORS_ORIGINS', { infer: true }));
  app.get(LifecycleService).setDrainDelay(config.get('SHUTDOWN_DRAIN_MS', { infer: true }));
}

/** Builds the gateway app, configured exactly as in production, without listening. */
export async function createGateway(): Promise<NestFastifyApplication> {
  // The adapter is made before the module, so read its settings the same validated way.
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(),
    createHttpAdapter(gatewayAdapterOptions(validateGatewayEnv(process.env))),
    // Lines logged while the module builds wait for the pino logger, made by the module itself.
    { abortOnError: false, bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  configureGateway(app);
  // Swagger UI's assets load only outside jest (an ES module), so the specs skip this step.
  serveGatewayOpenApi(app);
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
  const logger = new Logger('Gateway');
  const where = `HTTP ${host}:${port}, predictor at ${config.get('PREDICTOR_ENDPOINTS', { infer: true })}`;
  logger.log(`listening: ${where}; ready once the input log is open`);
  // Readiness needs the input log, which recovers after the server listens
  // (liveness must answer meanwhile): "ready" is said when it is true.
  const inputLog = app.get(InputLogWriteService);
  void inputLog.whenOpen().then(() => {
    if (inputLog.writable()) logger.log(`ready: ${where}`);
  });
  return { app, url: `http://127.0.0.1:${port}` };
}
