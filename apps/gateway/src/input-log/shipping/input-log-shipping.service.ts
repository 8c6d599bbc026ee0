import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@ml-system/server-core';
import type { GatewayEnv } from '../../config/gateway.config';
import { InputLogDatabase } from '../database/input-log.database';
import { SegmentLogStore } from '../storage/segment-log.store';
import { InputLogShipper } from './input-log.shipper';
import type { ShipperStatus } from './input-log.shipper';
import { ShipperMetrics } from './shipper.metrics';

/** What the query service needs to read the database and this replica's not-yet-shipped records. */
export interface ActiveShipping {
  database: InputLogDatabase;
  shipper: InputLogShipper;
}

/**
 * Shipping the input log to PostgreSQL when INPUT_LOG_DATABASE_URL is set;
 * with it unset, `active` is null and nothing here runs.
 */
@Injectable()
export class InputLogShipping implements OnModuleInit, OnApplicationShutdown {
  readonly active: ActiveShipping | null;
  private readonly drainMs: number;

  constructor(
    config: ConfigService<GatewayEnv, true>,
    private readonly store: SegmentLogStore,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.drainMs = config.get('INPUT_LOG_SHIP_DRAIN_MS', { infer: true });
    const url = config.get('INPUT_LOG_DATABASE_URL', { infer: true });
    if (!url) {
      this.active = null;
      return;
    }
    const logger = new Logger('InputLogShipper');
    const caFile = config.get('INPUT_LOG_DATABASE_CA_FILE', { infer: true });
    const database = new InputLogDatabase({
      url,
      ...(caFile ? { caFile } : {}),
      poolSize: config.get('INPUT_LOG_DATABASE_POOL_SIZE', { infer: true }),
      statementTimeoutMs: config.get('INPUT_LOG_DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
      log: (message) => logger.log(`migrations: ${message.trim()}`),
    });
    let shipper: InputLogShipper | null = null;
    const metrics = new ShipperMetrics(registry, () => (shipper as InputLogShipper).status());
    shipper = new InputLogShipper(store, database, {
      instanceId: config.get('GATEWAY_INSTANCE_ID', { infer: true }) ?? hostname(),
      backlogBytes: config.get('INPUT_LOG_SHIP_BACKLOG_BYTES', { infer: true }),
      logger,
      onBatch: (records, seconds) => metrics.batch(records, seconds),
      onFailure: () => metrics.failure(),
    });
    this.active = { database, shipper };
  }

  onModuleInit(): void {
    this.active?.shipper.start();
  }

  /**
   * After the HTTP server has closed: the local log is flushed and closed
   * first (the same close its own hook waits for), then the backlog ships for
   * at most INPUT_LOG_SHIP_DRAIN_MS.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.active) return;
    await this.store.close();
    await this.active.shipper.stop(this.drainMs);
  }

  /** True when new inputs must be refused: the unshipped backlog reached its bound. */
  backlogFull(): boolean {
    return this.active?.shipper.backlogFull() ?? false;
  }

  /** The shipper's state for /health; null without a database. */
  status(): ShipperStatus | null {
    return this.active?.shipper.status() ?? null;
  }
}
