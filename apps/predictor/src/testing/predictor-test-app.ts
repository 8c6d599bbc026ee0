import { ClientTCP } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { firstValueFrom, timeout } from 'rxjs';
import {
  PinoNestLogger,
  ROOT_LOGGER,
  createHttpAdapter,
  createRootLogger,
  silentLogger,
} from '@ml-system/server-core';
import { freePort } from '@ml-system/test-support';
import { AppModule } from '../app.module';
import {
  PREDICTOR_APP_OPTIONS,
  PREDICTOR_HTTP_ADAPTER_OPTIONS,
  configurePredictor,
  listenPredictor,
} from '../bootstrap';
import type { RunningPredictor } from '../bootstrap';
import { ModelRegistry } from '../model/model-registry';
import { MODELS } from '../model/model.module';
import type { ModelPort } from '../model/model.port';

/**
 * The predictor wired exactly as main.ts wires it (HTTP pipeline, hardened TCP
 * server), listening on free loopback ports, with the model replaced. Logs go
 * nowhere unless a spec passes a logger to read them.
 */
export async function startTestPredictor(
  /** null: the models the environment names, loaded by the model module as main.ts does. */
  model: ModelPort | ModelRegistry | null,
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
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot()] })
    .overrideProvider(ROOT_LOGGER)
    .useValue(logger);
  if (model) {
    builder = builder
      .overrideProvider(MODELS)
      .useValue(model instanceof ModelRegistry ? model : ModelRegistry.of(model));
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(PREDICTOR_HTTP_ADAPTER_OPTIONS),
    { ...PREDICTOR_APP_OPTIONS, logger: false },
  );
  configurePredictor(app);
  return listenPredictor(app);
}

/** A real `ClientTCP` to a test predictor; `send` gives up after `ms` (client.send alone never does). */
export interface TestRpcClient {
  send<T = unknown>(pattern: string, message: unknown, ms?: number): Promise<T>;
  close(): void;
}

export function rpcClient(predictor: Pick<RunningPredictor, 'tcpPort'>): TestRpcClient {
  const client = new ClientTCP({ host: '127.0.0.1', port: predictor.tcpPort });
  return {
    send: <T>(pattern: string, message: unknown, ms = 5_000) =>
      firstValueFrom(client.send<T>(pattern, message).pipe(timeout(ms))),
    close: () => client.close(),
  };
}

/** A debug-level root logger whose lines land, parsed, in `lines`: for specs that read the logs. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createRootLogger({
    service: 'predictor',
    level: 'debug',
    pretty: false,
    destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** The log lines of the messages handled under `requestId`. */
export function handledLines(
  lines: Record<string, unknown>[],
  requestId: string,
): Record<string, unknown>[] {
  return lines.filter(
    (line) => line['msg'] === 'message handled' && line['request_id'] === requestId,
  );
}

/**
 * A test predictor whose logs are captured and reach Nest's Logger too, as
 * main.ts wires them (the RPC error policy logs through Nest's Logger).
 */
export async function startObservedPredictor(
  model: ModelPort,
): Promise<{ predictor: RunningPredictor; lines: Record<string, unknown>[] }> {
  const { logger, lines } = capturingLogger();
  const predictor = await startTestPredictor(model, {}, logger);
  predictor.app.useLogger(new PinoNestLogger(logger));
  return { predictor, lines };
}
