import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  LifecycleService,
  PinoNestLogger,
  configureHttpApp,
  createHttpAdapter,
} from '@ml-system/server-core';
import { AppModule } from './app.module';
import type { PredictorEnv } from './config/predictor.config';
import { servePredictorOpenApi } from './observability/openapi/predictor.openapi';
import { closeFailedTlsHandshakes, rpcServerTlsOptions } from './transport/rpc-tls';
import { tcpServerOptions } from './transport/tcp-server.options';

export interface RunningPredictor {
  app: NestFastifyApplication;
  httpUrl: string;
  tcpPort: number;
}

/** Options of the adapter and the app; the specs build theirs with the same ones. */
export const PREDICTOR_HTTP_ADAPTER_OPTIONS = { bodyLimit: 1024 * 1024 };
export const PREDICTOR_APP_OPTIONS = { abortOnError: false, bodyParser: false } as const;

/**
 * Everything main.ts does between creating the app and listening: the HTTP
 * pipeline, the hardened TCP microservice and the drain delay. The specs call
 * it on an app whose model they replaced, so they test the same wiring.
 */
export function configurePredictor(app: NestFastifyApplication): void {
  configureHttpApp(app);
  const config = app.get<ConfigService<PredictorEnv, true>>(ConfigService);
  app.get(LifecycleService).setDrainDelay(config.get('SHUTDOWN_DRAIN_MS', { infer: true }));
  const tls = rpcServerTlsOptions(config);
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    tcpServerOptions({
      host: config.get('PREDICTOR_TCP_HOST', { infer: true }),
      port: config.get('PREDICTOR_TCP_PORT', { infer: true }),
      incompleteFrameTimeoutMs: config.get('RPC_INCOMPLETE_FRAME_TIMEOUT_MS', { infer: true }),
      tls,
    }),
  );
  if (tls) closeFailedTlsHandshakes(microservice);
}

/** Starts both servers of a configured app and returns where they listen. */
export async function listenPredictor(app: NestFastifyApplication): Promise<RunningPredictor> {
  const config = app.get<ConfigService<PredictorEnv, true>>(ConfigService);
  await app.startAllMicroservices();
  const host = config.get('PREDICTOR_HTTP_HOST', { infer: true });
  await app.listen({ port: config.get('PREDICTOR_HTTP_PORT', { infer: true }), host });
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address ? address.port : 0;
  const tcpHost = config.get('PREDICTOR_TCP_HOST', { infer: true });
  const tcpPort = config.get('PREDICTOR_TCP_PORT', { infer: true });
  new Logger('Predictor').log(`ready: TCP ${tcpHost}:${tcpPort}, HTTP ${host}:${httpPort}`);
  return { app, httpUrl: `http://127.0.0.1:${httpPort}`, tcpPort };
}

/** Builds and starts the hybrid app (TCP microservice plus HTTP), as main.ts does. */
export async function startPredictor(): Promise<RunningPredictor> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(),
    createHttpAdapter(PREDICTOR_HTTP_ADAPTER_OPTIONS),
    // Lines logged while the module builds wait for the pino logger, made by the module itself.
    { ...PREDICTOR_APP_OPTIONS, bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  configurePredictor(app);
  // Not in configurePredictor: the specs check the document, the e2e specs the
  // UI's static files (see serveOpenApi).
  servePredictorOpenApi(app);
  return listenPredictor(app);
}
