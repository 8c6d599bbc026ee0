import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Registry } from 'prom-client';
import { PREDICTOR_PATTERNS, predictorError } from '@ml-system/contracts';
import type { LogContext } from '@ml-system/server-core';
import { PinoNestLogger, Tracing, currentLogContext } from '@ml-system/server-core';
import { INTERNAL_ERROR, RPC_FAILURE_POLICY } from '../predict/rpc-errors';
import { capturingLogger, handledLines } from '../testing/predictor-test-app';
import { PredictorMetrics } from './predictor.metrics';
import { RpcTelemetry } from './rpc-telemetry.service';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PATTERN = PREDICTOR_PATTERNS.predict;
const PREDICT_MANY = PREDICTOR_PATTERNS.predictMany;

const message = (requestId: unknown) => ({
  payload: {},
  meta: { request_id: requestId, deadline: 0, traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
});

/** What the caller of a failed `observe` receives. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe(RpcTelemetry.name, () => {
  const { logger, lines } = capturingLogger();
  let telemetry: RpcTelemetry;

  const handled = (requestId: string) => handledLines(lines, requestId);

  beforeAll(async () => {
    // What the RPC error policy's bug reports go through, as main.ts wires it.
    Logger.overrideLogger(new PinoNestLogger(logger));
    const tracing = await Tracing.create({ service: 'predictor', version: 'spec' });
    telemetry = new RpcTelemetry(
      logger,
      tracing,
      new PredictorMetrics(new Registry()),
      RPC_FAILURE_POLICY,
    );
  });

  it('runs a synchronous handler in the message log context, and nothing after it', () => {
    let inside: LogContext | undefined;
    const result = telemetry.observe(PATTERN, message('t-1'), () => {
      inside = currentLogContext();
      return 42;
    });
    expect(result).toBe(42);
    expect(inside).toEqual({
      request_id: 't-1',
      trace_id: TRACE,
      span_id: expect.stringMatching(/^[\da-f]{16}$/),
    });
    expect(currentLogContext()).toBeUndefined();
    expect(handled('t-1')).toEqual([
      expect.objectContaining({ level: 'info', span_id: inside?.span_id, outcome: 'ok' }),
    ]);
  });

  it('passes a predictor error through as it was thrown, and logs its code', async () => {
    const refusal = new RpcException(predictorError('DEADLINE_EXCEEDED', 'late'));
    const thrown = await failure(() =>
      telemetry.observe(PATTERN, message('t-2'), () => {
        throw refusal;
      }),
    );
    expect(thrown).toBe(refusal);
    expect(handled('t-2')).toEqual([
      expect.objectContaining({ level: 'warn', outcome: 'DEADLINE_EXCEEDED' }),
    ]);
  });

  it('reports a bug of a handler that settles later under the message ids, and sends a bare INTERNAL', async () => {
    const thrown = await failure(() =>
      telemetry.observe(PATTERN, message('t-3'), () => Promise.reject(new Error('broken'))),
    );
    expect(thrown).toBeInstanceOf(RpcException);
    expect((thrown as RpcException).getError()).toEqual(INTERNAL_ERROR);
    const [line] = handled('t-3');
    expect(line).toMatchObject({ level: 'warn', outcome: 'INTERNAL' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        context: 'RpcErrors',
        request_id: 't-3',
        span_id: line?.['span_id'],
        msg: expect.stringContaining('Error: broken'),
      }),
    );
  });

  it('ends every item of a frame that fails as a whole, and reports its bug under the frame id', async () => {
    const items = ['m-1', 'm-2'].map((id) => ({
      input: 'x',
      meta: { request_id: id, deadline: 0, traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
    }));
    const thrown = await failure(() =>
      telemetry.observeMany(PREDICT_MANY, { request_id: 'frame-1', deadline: 0 }, items, 0, () => {
        throw new TypeError('not the model');
      }),
    );
    expect((thrown as RpcException).getError()).toEqual(INTERNAL_ERROR);
    expect([...handled('m-1'), ...handled('m-2')]).toEqual([
      expect.objectContaining({ pattern: PREDICT_MANY, outcome: 'INTERNAL' }),
      expect.objectContaining({ pattern: PREDICT_MANY, outcome: 'INTERNAL' }),
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        request_id: 'frame-1',
        msg: expect.stringContaining('not the model'),
      }),
    );
    expect(handled('frame-1')).toEqual([]);
  });

  it('logs a message with no usable id under "unknown"', () => {
    expect(telemetry.observe(PATTERN, message('x'.repeat(129)), () => 'fine')).toBe('fine');
    expect(telemetry.observe(PATTERN, 'not even an object', () => 'fine')).toBe('fine');
    expect(handled('unknown')).toHaveLength(2);
  });
});
