import { Registry } from 'prom-client';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import { GatewayMetrics } from './gateway.metrics';

describe(GatewayMetrics.name, () => {
  let registry: Registry;
  let metrics: GatewayMetrics;

  beforeEach(() => {
    registry = new Registry();
    metrics = new GatewayMetrics(registry);
  });

  it('records RPC attempts by endpoint, pattern and outcome', async () => {
    metrics.rpcCompleted('10.0.0.1:8877', 'ok', 0.002);
    metrics.rpcCompleted('10.0.0.1:8877', 'TIMEOUT', 1, PREDICTOR_PATTERNS.health);
    const text = await registry.metrics();
    expect(text).toContain(
      'predictor_rpc_duration_seconds_count{endpoint="10.0.0.1:8877",pattern="predictor.predict.v1",outcome="ok"} 1',
    );
    expect(text).toContain(
      'predictor_rpc_duration_seconds_count{endpoint="10.0.0.1:8877",pattern="predictor.health.v1",outcome="TIMEOUT"} 1',
    );
  });

  it('shows one breaker state per endpoint as 1, the others as 0', async () => {
    metrics.setBreakerState('a:1', 'open');
    metrics.setBreakerState('a:1', 'half_open');
    const text = await registry.metrics();
    expect(text).toContain('predictor_breaker_state{endpoint="a:1",state="half_open"} 1');
    expect(text).toContain('predictor_breaker_state{endpoint="a:1",state="open"} 0');
    expect(text).toContain('predictor_breaker_state{endpoint="a:1",state="closed"} 0');
  });

  it('drops the series of an endpoint that left the pool', async () => {
    metrics.setBreakerState('gone:1', 'closed');
    metrics.setInFlight('gone:1', 3);
    metrics.forgetEndpoint('gone:1');
    expect(await registry.metrics()).not.toContain('gone:1');
  });

  it('counts retries, rejections, in-flight calls and input-log writes', async () => {
    metrics.retry();
    metrics.retry();
    metrics.rpcRejectedBy('CIRCUIT_OPEN');
    metrics.setInFlight('a:1', 7);
    metrics.inputLogFsync(0.0004);
    metrics.inputLogRecord();
    metrics.inputLogRecord(4);
    const text = await registry.metrics();
    expect(text).toContain('predictor_rpc_retries_total 2');
    expect(text).toContain('predictor_rpc_rejected_total{reason="CIRCUIT_OPEN"} 1');
    expect(text).toContain('predictor_rpc_in_flight{endpoint="a:1"} 7');
    expect(text).toContain('input_log_fsync_duration_seconds_count 1');
    expect(text).toContain('input_log_records_total 5');
  });
});
