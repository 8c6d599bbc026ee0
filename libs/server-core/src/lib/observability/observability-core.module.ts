import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { installHttpObservability } from './http/http-observability';
import { PinoNestLogger } from './logging/pino-nest-logger';
import { createRootLogger, shouldPrettyPrint } from './logging/root-logger';
import type { LevelWithSilent } from './logging/root-logger';
import { createMetricsRegistry } from './metrics/metrics-registry';
import { MetricsController } from './metrics/metrics.controller';
import { METRICS_REGISTRY, OBSERVABILITY_OPTIONS, ROOT_LOGGER } from './observability.constants';
import { Tracing } from './tracing/tracing';

/** The variables this module reads; both apps' env schemas declare them. */
export interface ObservabilityEnv {
  LOG_LEVEL: LevelWithSilent;
  LOG_PRETTY?: 'true' | 'false';
  NODE_ENV?: string;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
}

export interface ObservabilityOptions {
  service: string;
  version: string;
  /** Route patterns whose successful requests log at `debug` (health probes, scrapes). */
  quietRoutes?: readonly string[];
}

/** Installs the HTTP hooks once the adapter exists; flushes spans and logs on shutdown. */
@Injectable()
class ObservabilityLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityOptions,
    private readonly tracing: Tracing,
  ) {}

  /** Runs after Nest registered the routes and before Fastify is ready: hooks still apply to every route. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as { getInstance(): FastifyInstance } | undefined;
    if (!adapter) return;
    installHttpObservability(adapter.getInstance(), {
      logger: this.logger,
      tracing: this.tracing,
      registry: this.registry,
      ...(this.options.quietRoutes ? { quietRoutes: this.options.quietRoutes } : {}),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
    this.logger.flush();
  }
}

/**
 * Logs, traces and metrics shared by both apps: the pino root logger (and
 * Nest's LoggerService over it), the tracer, the metrics registry with the
 * HTTP histogram and the default process metrics, `GET /metrics`, and the
 * per-request hooks. Global, so each app's own telemetry providers and the
 * controllers' interceptors can inject these tokens.
 */
@Global()
@Module({})
export class ObservabilityCoreModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityCoreModule,
      controllers: [MetricsController],
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: options },
        {
          provide: ROOT_LOGGER,
          inject: [ConfigService],
          useFactory: (config: ConfigService<ObservabilityEnv, true>): Logger =>
            createRootLogger({
              service: options.service,
              level: config.get('LOG_LEVEL', { infer: true }),
              pretty: shouldPrettyPrint({
                logPretty: config.get('LOG_PRETTY', { infer: true }),
                nodeEnv: config.get('NODE_ENV', { infer: true }),
                stdoutIsTty: process.stdout.isTTY === true,
              }),
            }),
        },
        {
          provide: PinoNestLogger,
          inject: [ROOT_LOGGER],
          useFactory: (logger: Logger) => new PinoNestLogger(logger),
        },
        { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
        {
          provide: Tracing,
          inject: [ConfigService],
          useFactory: (config: ConfigService<ObservabilityEnv, true>) =>
            Tracing.create({
              service: options.service,
              version: options.version,
              otlpEndpoint: config.get('OTEL_EXPORTER_OTLP_ENDPOINT', { infer: true }),
            }),
        },
        ObservabilityLifecycle,
      ],
      exports: [ROOT_LOGGER, PinoNestLogger, METRICS_REGISTRY, Tracing, OBSERVABILITY_OPTIONS],
    };
  }
}
