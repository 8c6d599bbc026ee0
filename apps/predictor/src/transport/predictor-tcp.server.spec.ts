import { ServerTCP } from '@nestjs/microservices';
import fc from 'fast-check';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import { PredictorTcpServer } from './predictor-tcp.server';

/** The protected lookup, reachable from the spec. */
class Probe extends PredictorTcpServer {
  route(pattern: string): string {
    return this.getRouteFromPattern(pattern);
  }
}

class NestOwn extends ServerTCP {
  route(pattern: string): string {
    return this.getRouteFromPattern(pattern);
  }
}

describe('PredictorTcpServer route lookup', () => {
  const ours = new Probe({});
  const nest = new NestOwn({});

  it('resolves every pattern to the route Nest resolves it to', () => {
    const names = fc.stringMatching(/^[A-Za-z_][\w.:-]{0,30}$/);
    const anything = fc.oneof(
      names,
      fc.string(),
      fc.json(),
      fc.constantFrom('true', 'false', 'null', 'nullx', 'true1', '1', '-1', '"a"', '{"cmd":"x"}'),
    );
    fc.assert(
      fc.property(anything, (pattern) => {
        expect(ours.route(pattern)).toBe(nest.route(pattern));
      }),
      { numRuns: 2000 },
    );
  });

  it('resolves object patterns (sent as JSON) as Nest does', () => {
    expect(ours.route('{"b":1,"a":"x"}')).toBe(nest.route('{"b":1,"a":"x"}'));
  });

  it("resolves the contract's patterns without a JSON.parse (no SyntaxError per message)", () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      for (const pattern of Object.values(PREDICTOR_PATTERNS)) {
        expect(ours.route(pattern)).toBe(pattern);
      }
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });
});
