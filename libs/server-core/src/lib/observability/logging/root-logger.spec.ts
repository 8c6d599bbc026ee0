import { createRootLogger, shouldPrettyPrint } from './root-logger';
import { runWithSyncLogContext } from './log-context';

describe(shouldPrettyPrint.name, () => {
  it.each([
    [{ stdoutIsTty: true, nodeEnv: 'development' }, true],
    [{ stdoutIsTty: true, nodeEnv: undefined }, true],
    [{ stdoutIsTty: true, nodeEnv: 'production' }, false],
    [{ stdoutIsTty: false, nodeEnv: 'development' }, false],
    [{ stdoutIsTty: false, nodeEnv: 'production', logPretty: 'true' as const }, true],
    [{ stdoutIsTty: true, nodeEnv: 'development', logPretty: 'false' as const }, false],
  ])('decides %j → %p', (input, pretty) => {
    expect(shouldPrettyPrint(input)).toBe(pretty);
  });
});

describe(createRootLogger.name, () => {
  const capture = (level: 'info' | 'debug' = 'info') => {
    const lines: string[] = [];
    const logger = createRootLogger({
      service: 'spec',
      level,
      pretty: false,
      destination: { write: (line) => lines.push(line) },
    });
    const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { logger, parsed };
  };

  it('writes one JSON line with the level name, an ISO time and the service', () => {
    const { logger, parsed } = capture();
    logger.info({ route: '/x' }, 'hello');
    expect(parsed()).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'spec',
        route: '/x',
        msg: 'hello',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
  });

  it('stamps the ids of the current log context on every line written inside it', () => {
    const { logger, parsed } = capture();
    runWithSyncLogContext({ request_id: 'r1', trace_id: 't1', span_id: 's1' }, () =>
      logger.warn('inside'),
    );
    logger.warn('outside');
    expect(parsed()[0]).toMatchObject({
      request_id: 'r1',
      trace_id: 't1',
      span_id: 's1',
      msg: 'inside',
    });
    expect(parsed()[1]).not.toHaveProperty('request_id');
  });

  it('leaves the context object as it was, and lets a line override its fields', () => {
    const { logger, parsed } = capture();
    const context = { request_id: 'r-1', trace_id: 't-1', span_id: 's-1' };
    runWithSyncLogContext(context, () => {
      logger.info({ span_id: 's-2', route: '/x' }, 'first');
      logger.info('second');
    });
    expect(context).toEqual({ request_id: 'r-1', trace_id: 't-1', span_id: 's-1' });
    const [first, second] = parsed();
    expect(first).toEqual(
      expect.objectContaining({ request_id: 'r-1', span_id: 's-2', route: '/x' }),
    );
    expect(second).toEqual(expect.objectContaining({ request_id: 'r-1', span_id: 's-1' }));
    expect(second).not.toHaveProperty('route');
  });

  it('censors fields that could carry a client text', () => {
    const { logger, parsed } = capture();
    logger.info({ data: 'my secret text', input: 'another', request_id: 'r' }, 'oops');
    const [line] = parsed();
    expect(line).toMatchObject({ data: '[redacted]', input: '[redacted]', request_id: 'r' });
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('honours the level', () => {
    const { logger, parsed } = capture('info');
    logger.debug('hidden');
    expect(parsed()).toEqual([]);
  });
});
