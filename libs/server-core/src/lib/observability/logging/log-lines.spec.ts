import { requestLogLevel, requestLogLine, rpcLogLevel, rpcLogLine } from './log-lines';

const ids = {
  requestId: 'req-1',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
};

describe(requestLogLine.name, () => {
  it('has exactly the documented fields, latency rounded to the microsecond', () => {
    expect(
      requestLogLine({
        ...ids,
        method: 'POST',
        route: '/process',
        status: 200,
        latencyMs: 1.23456789,
        outcome: 'predicted',
      }),
    ).toStrictEqual({
      request_id: 'req-1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      method: 'POST',
      route: '/process',
      status: 200,
      latency_ms: 1.235,
      outcome: 'predicted',
    });
  });

  it('carries nothing it was not given: no body, no URL, no headers', () => {
    const input = {
      ...ids,
      method: 'POST',
      route: '/process',
      status: 400,
      latencyMs: 1,
      outcome: 'VALIDATION_FAILED',
    };
    const withExtras = { ...input, data: 'secret text', url: '/process?x=1', headers: { a: 'b' } };
    expect(Object.keys(requestLogLine(withExtras))).toEqual(Object.keys(requestLogLine(input)));
    expect(JSON.stringify(requestLogLine(withExtras))).not.toContain('secret');
  });
});

describe(requestLogLevel.name, () => {
  it.each([
    [200, false, 'info'],
    [400, false, 'info'],
    [503, false, 'warn'],
    [200, true, 'debug'],
    [404, true, 'info'],
    [503, true, 'warn'],
  ] as const)('logs status %i (quiet route: %p) at %s', (status, quiet, level) => {
    expect(requestLogLevel(status, quiet)).toBe(level);
  });
});

describe(rpcLogLine.name, () => {
  it('has exactly the documented fields', () => {
    expect(
      rpcLogLine({ ...ids, pattern: 'predictor.predict.v1', latencyMs: 0.5004, outcome: 'ok' }),
    ).toStrictEqual({
      request_id: 'req-1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      pattern: 'predictor.predict.v1',
      latency_ms: 0.5,
      outcome: 'ok',
    });
  });

  it('logs failures at warn and quiet successes at debug', () => {
    expect(rpcLogLevel('DEADLINE_EXCEEDED', false)).toBe('warn');
    expect(rpcLogLevel('ok', false)).toBe('info');
    expect(rpcLogLevel('ok', true)).toBe('debug');
  });
});
