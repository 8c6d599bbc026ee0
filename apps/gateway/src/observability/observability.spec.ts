import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PredictionResult } from '@ml-system/contracts';
import { createRootLogger, parseTraceparent } from '@ml-system/server-core';
import { PredictorClient } from '../predictor-client/predictor-client';
import type { CallContext } from '../predictor-client/predictor-client';
import { PredictorUnavailableError } from '../predictor-client/predictor.errors';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';

const DOG: PredictionResult = {
  prediction: {
    class: 'dog',
    confidence: 0.9,
    input_length: 30,
    model: { name: 'm', version: '1' },
  },
  message: 'Predicted class: dog with 90.0% confidence',
};

describe('gateway observability (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  let lines: Record<string, unknown>[];
  const predict = jest.fn<Promise<PredictionResult>, [string, CallContext]>();

  beforeEach(async () => {
    lines = [];
    predict.mockReset();
    const logger = createRootLogger({
      service: 'gateway',
      level: 'info',
      pretty: false,
      destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    app = await gatewayTestApp(strictMock(PredictorClient, { predict }), { logger });
  });

  afterEach(async () => {
    await app.close();
  });

  const post = (payload: object, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });

  const requestLines = () => lines.filter((line) => line['msg'] === 'request completed');

  it("continues the client's trace into the predictor call, under the request's id", async () => {
    predict.mockResolvedValue(DOG);
    await post(
      { data: 'wags its tail' },
      { traceparent: `00-${TRACE}-${CLIENT_SPAN}-01`, 'x-request-id': 'req-42' },
    );
    const [, context] = predict.mock.calls[0] ?? [];
    const sent = parseTraceparent(context?.traceparent);
    expect(sent?.traceId).toBe(TRACE);
    expect(sent?.spanId).not.toBe(CLIENT_SPAN);
    expect(requestLines()).toEqual([
      expect.objectContaining({
        request_id: 'req-42',
        trace_id: TRACE,
        span_id: sent?.spanId,
        route: '/process',
        method: 'POST',
        status: 200,
        outcome: 'predicted',
      }),
    ]);
  });

  it('names the outcome logged, a problem code, or predicted, and never logs the input', async () => {
    await post({ data: 'secret words one', forward_to_model: false });
    predict.mockRejectedValue(new PredictorUnavailableError('connection refused'));
    await post({ data: 'secret words two' });
    await post({ data: 5 });
    expect(requestLines().map((line) => [line['status'], line['outcome']])).toEqual([
      [200, 'logged'],
      [503, 'PREDICTOR_UNAVAILABLE'],
      [400, 'VALIDATION_FAILED'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret words');
  });

  it('serves Prometheus text with the HTTP histogram by route pattern after traffic', async () => {
    await post({ data: 'x', forward_to_model: false });
    await app.inject({ method: 'GET', url: '/nope' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain(
      'http_request_duration_seconds_count{method="POST",route="/process",status_code="200"} 1',
    );
    expect(response.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
    );
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'predictor_rpc_duration_seconds',
      'predictor_rpc_retries_total',
      'predictor_breaker_state',
      'predictor_rpc_in_flight',
      'input_log_fsync_duration_seconds',
      'input_log_records_total',
    ]) {
      expect(response.body).toContain(`# TYPE ${name} `);
    }
  });
});
