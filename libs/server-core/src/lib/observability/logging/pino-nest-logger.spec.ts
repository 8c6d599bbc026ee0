import { createRootLogger } from './root-logger';
import { PinoNestLogger } from './pino-nest-logger';

describe(PinoNestLogger.name, () => {
  let lines: Record<string, unknown>[];
  let nest: PinoNestLogger;

  beforeEach(() => {
    lines = [];
    const logger = createRootLogger({
      service: 'spec',
      level: 'info',
      pretty: false,
      destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    nest = new PinoNestLogger(logger);
  });

  it("puts the Logger's context in a `context` field", () => {
    nest.log('ready: HTTP 0.0.0.0:8000', 'Gateway');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'ready: HTTP 0.0.0.0:8000',
        context: 'Gateway',
      }),
    ]);
  });

  it('keeps the stack of error(message, stack, context) apart from the context', () => {
    const stack = 'Error: boom\n    at f (file.ts:1:2)';
    nest.error('failed', stack, 'RpcErrorFilter');
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'failed',
      stack,
      context: 'RpcErrorFilter',
    });
  });

  it('merges an object message and takes the next string as the text', () => {
    nest.error(
      { request_id: 'r1', err: 'x' },
      'unhandled error while serving a request',
      'ProblemDetailsFilter',
    );
    expect(lines[0]).toMatchObject({
      request_id: 'r1',
      err: 'x',
      msg: 'unhandled error while serving a request',
      context: 'ProblemDetailsFilter',
    });
  });

  it("sends Nest's per-route start-up chatter to debug, and maps verbose to trace", () => {
    nest.log('Mapped {/process, POST} route', 'RouterExplorer');
    nest.verbose('details', 'X');
    expect(lines).toEqual([]);
    nest.warn('kept', 'X');
    expect(lines).toHaveLength(1);
  });
});
