import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { RunningPredictor } from '../bootstrap';
import { FakeModel } from '../testing/fake-model';
import { handledLines, rpcClient, startObservedPredictor } from '../testing/predictor-test-app';
import type { TestRpcClient } from '../testing/predictor-test-app';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

describe('predictor RPC telemetry (real sockets)', () => {
  let predictor: RunningPredictor;
  let client: TestRpcClient;
  let lines: Record<string, unknown>[];

  const send = (pattern: string, message: unknown) => client.send(pattern, message);
  const meta = (requestId: string, deadlineInMs = 5_000) => ({
    request_id: requestId,
    traceparent: `00-${TRACE}-${PARENT_SPAN}-01`,
    deadline: Date.now() + deadlineInMs,
  });
  const handled = (requestId: string) => handledLines(lines, requestId);

  beforeAll(async () => {
    ({ predictor, lines } = await startObservedPredictor(new FakeModel()));
    client = rpcClient(predictor);
  });

  afterAll(async () => {
    client.close();
    await predictor.app.close();
  });

  it('logs one line per message with the caller request id and trace id, and a span of its own', async () => {
    await send(PREDICTOR_PATTERNS.predict, {
      payload: { input: 'my secret dog text' },
      meta: meta('obs-1'),
    });
    expect(handled('obs-1')).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'predictor',
        request_id: 'obs-1',
        trace_id: TRACE,
        span_id: expect.stringMatching(/^[\da-f]{16}$/),
        pattern: 'predictor.predict.v1',
        outcome: 'ok',
        latency_ms: expect.any(Number),
      }),
    ]);
    expect(handled('obs-1')[0]?.['span_id']).not.toBe(PARENT_SPAN);
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it.each([
    [
      'refused by validation',
      { payload: { input: 5 }, meta: meta('obs-2') },
      'obs-2',
      'INVALID_INPUT',
    ],
    [
      'past its deadline',
      { payload: { input: 'cat' }, meta: meta('obs-3', -1) },
      'obs-3',
      'DEADLINE_EXCEEDED',
    ],
    [
      'failing in the model',
      { payload: { input: 'boom' }, meta: meta('obs-4') },
      'obs-4',
      'INTERNAL',
    ],
  ])('logs a message %s at warn with its code', async (_what, message, id, code) => {
    await expect(send(PREDICTOR_PATTERNS.predict, message)).rejects.toMatchObject({ code });
    expect(handled(id)).toEqual([
      expect.objectContaining({ level: 'warn', trace_id: TRACE, outcome: code }),
    ]);
  });

  it("stamps the request's ids on what the handler's filter logs meanwhile", async () => {
    await send(PREDICTOR_PATTERNS.predict, {
      payload: { input: 'boom' },
      meta: meta('obs-5'),
    }).catch(() => undefined);
    const bug = lines.find(
      (line) => line['context'] === 'RpcErrors' && line['request_id'] === 'obs-5',
    );
    expect(bug).toMatchObject({ level: 'error', trace_id: TRACE });
  });

  it('logs health pings at debug only', async () => {
    await send(PREDICTOR_PATTERNS.health, { payload: {}, meta: meta('obs-6') });
    expect(handled('obs-6')).toEqual([expect.objectContaining({ level: 'debug', outcome: 'ok' })]);
  });

  it('counts predictions by class, model time, and messages by pattern and outcome on /metrics', async () => {
    await send(PREDICTOR_PATTERNS.predictBatch, {
      payload: { inputs: ['a fish', 'a dog'] },
      meta: meta('obs-7'),
    });
    await fetch(`${predictor.httpUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'a bird' }),
    });
    const response = await fetch(`${predictor.httpUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^predictions_total\{class="fish"\} 1$/m);
    expect(text).toMatch(/^predictions_total\{class="bird"\} 1$/m);
    expect(text).toMatch(/^model_inference_duration_seconds_count \d+$/m);
    expect(text).toContain(
      'rpc_server_duration_seconds_count{pattern="predictor.predict-batch.v1",outcome="ok"} 1',
    );
    expect(text).toContain(
      'rpc_server_duration_seconds_count{pattern="predictor.predict.v1",outcome="INVALID_INPUT"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="POST",route="/predict",status_code="200"} 1',
    );
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
  });
});
