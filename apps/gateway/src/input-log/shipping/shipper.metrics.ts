import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '@ml-system/server-core';
import type { ShipperStatus } from './input-log.shipper';

const BATCH_RECORD_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** The shipper's metrics (docs/input-log.md, "Shipping to PostgreSQL"); gauges read its status when scraped. */
export class ShipperMetrics {
  private readonly batchRecords: Histogram;
  private readonly batchDuration: Histogram;
  private readonly failures: Counter;

  constructor(registry: Registry, status: () => ShipperStatus) {
    const registers = [registry];
    new Gauge({
      name: 'input_log_unshipped_records',
      help: 'Records of the local input log not yet in the database',
      registers,
      collect() {
        this.set(status().unshippedRecords);
      },
    });
    new Gauge({
      name: 'input_log_unshipped_bytes',
      help: 'Bytes of the local input log not yet in the database (inputs are refused at INPUT_LOG_SHIP_BACKLOG_BYTES)',
      registers,
      collect() {
        this.set(status().unshippedBytes);
      },
    });
    new Gauge({
      name: 'input_log_unshipped_oldest_age_seconds',
      help: 'Age of the oldest record not yet in the database; 0 when caught up',
      registers,
      collect() {
        this.set(status().oldestUnshippedAgeSeconds);
      },
    });
    this.batchRecords = new Histogram({
      name: 'input_log_ship_batch_records',
      help: 'Records per batch shipped to the database',
      buckets: BATCH_RECORD_BUCKETS,
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'input_log_ship_batch_duration_seconds',
      help: 'Time to write one batch and the shipper position in one transaction',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.failures = new Counter({
      name: 'input_log_ship_failures_total',
      help: 'Failed attempts to ship a batch (each is retried with backoff)',
      registers,
    });
  }

  batch(records: number, seconds: number): void {
    this.batchRecords.observe(records);
    this.batchDuration.observe(seconds);
  }

  failure(): void {
    this.failures.inc();
  }
}
