import fc from 'fast-check';
import pino from 'pino';
import type { Logger } from 'pino';
import { runWithSyncLogContext } from './log-context';
import { requestLogLine } from './log-lines';
import type { LineLevel, RequestLogInput } from './log-lines';
import { REQUEST_LINE_MESSAGE, writeRequestLine } from './request-line';
import { createRootLogger } from './root-logger';

/** The two loggers' times differ by the moment they were asked: compared without it. */
const withoutTime = (line: string): string => line.replace(/"time":("[^"]*"|\d+)/, '"time":"T"');

function capturing(make: (destination: { write(line: string): void }) => Logger) {
  const lines: string[] = [];
  const logger = make({ write: (line) => lines.push(line) });
  return { logger, lines };
}

const rootLogger = (level: 'debug' | 'info' = 'debug') =>
  capturing((destination) =>
    createRootLogger({ service: 'spec', level, pretty: false, destination }),
  );

/** What pino itself writes for the line, and what writeRequestLine writes. */
function bothWays(
  logger: Logger,
  lines: string[],
  level: LineLevel,
  input: RequestLogInput,
): { pino: string | undefined; direct: string | undefined } {
  lines.length = 0;
  logger[level](requestLogLine(input), REQUEST_LINE_MESSAGE);
  writeRequestLine(logger, level, input);
  const [viaPino, direct] = lines.map(withoutTime);
  return { pino: viaPino, direct };
}

const INPUT: RequestLogInput = {
  requestId: '0cf6d8d8-d2e6-439d-aaf4-3961ef76063c',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  method: 'POST',
  route: '/process',
  status: 200,
  latencyMs: 1.2345678,
  outcome: 'predicted',
};

describe(writeRequestLine.name, () => {
  it("writes pino's line for a request, byte for byte", () => {
    const { logger, lines } = rootLogger();
    const { pino: expected, direct } = bothWays(logger, lines, 'info', INPUT);
    expect(direct).toBe(expected);
    expect(JSON.parse(direct ?? '')).toMatchObject({
      level: 'info',
      service: 'spec',
      request_id: INPUT.requestId,
      latency_ms: 1.235,
      msg: REQUEST_LINE_MESSAGE,
    });
  });

  it("writes pino's line for any values, levels and log context (escaping, non-finite numbers)", () => {
    const { logger, lines } = rootLogger();
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('/v1/process', 'unmatched', 'PREDICTOR_UNAVAILABLE', 'a"b', 'a\\b', ''),
    );
    const number = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(NaN, Infinity, -0, Number.MAX_VALUE),
    );
    fc.assert(
      fc.property(
        fc.record({
          requestId: text,
          traceId: text,
          spanId: text,
          method: text,
          route: text,
          status: number,
          latencyMs: number,
          outcome: text,
        }),
        fc.constantFrom<LineLevel>('debug', 'info', 'warn'),
        fc.boolean(),
        (input, level, inContext) => {
          const run = () => bothWays(logger, lines, level, input);
          const { pino: expected, direct } = inContext
            ? runWithSyncLogContext({ request_id: 'r', trace_id: 't', span_id: 's' }, run)
            : run();
          expect(direct).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("builds the root logger's line itself, without pino's serialisation", () => {
    const { logger, lines } = rootLogger();
    const viaPino = jest.spyOn(logger, 'info');
    writeRequestLine(logger, 'info', INPUT);
    expect(viaPino).not.toHaveBeenCalled();
    expect(lines).toHaveLength(1);
  });

  it('writes nothing below the logger level', () => {
    const { logger, lines } = rootLogger('info');
    writeRequestLine(logger, 'debug', INPUT);
    expect(lines).toEqual([]);
  });

  it.each<[string, (destination: { write(line: string): void }) => Logger]>([
    ['a message prefix', (d) => pino({}, d).child({}, { msgPrefix: '> ' })],
    ['a serializer of one of its fields', (d) => pino({ serializers: { route: () => 'x' } }, d)],
    ['a log formatter', (d) => pino({ formatters: { log: (o) => ({ ...o, extra: 1 }) } }, d)],
    ['a mixin with fields of its own', (d) => pino({ mixin: () => ({ tenant: 'a' }) }, d)],
    ['child bindings', (d) => pino({}, d).child({ component: 'http' })],
  ])("still writes pino's line with %s", (_what, make) => {
    const { logger, lines } = capturing(make);
    const { pino: expected, direct } = bothWays(logger, lines, 'info', INPUT);
    expect(direct).toBe(expected);
  });
});
