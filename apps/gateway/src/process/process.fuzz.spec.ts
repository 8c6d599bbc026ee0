import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { PredictorClient } from '../predictor-client/predictor-client';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { leaksIn, problemViolations } from '../testing/problem-assertions';
import { strictMock } from '../testing/strict-mock';
import { CAT } from '../testing/fixtures';

/** Bounded so that the suite stays a few seconds on a shared 2-core machine; a failure prints its seed. */
const RUNS = { numRuns: 300 };
/** 300 in-process requests take ~1 s alone; a loaded 2-core machine can take several times that. */
const FUZZ_TIMEOUT_MS = 30_000;

describe('POST /process under property-based fuzzing (HTTP pipeline)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await gatewayTestApp(strictMock(PredictorClient, { predict: async () => CAT }), {
      env: {
        // The fuzzer sends thousands of requests from one address.
        RATE_LIMIT_MAX: '0',
      },
    });
  });

  afterAll(async () => {
    await app.close();
  });

  const post = (payload: string | Buffer, contentType = 'application/json') =>
    app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': contentType },
      payload,
    });

  /** The invariant: below 500, and an error is a clean problem, a success the seed shape. */
  const holds = async (payload: string | Buffer, contentType?: string): Promise<void> => {
    const response = await post(payload, contentType);
    if (response.statusCode >= 400) {
      expect(problemViolations(response)).toEqual([]);
    } else {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'Input logged successfully' });
      expect(leaksIn(response.body)).toEqual([]);
    }
  };

  it(
    'answers any JSON value without a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), (value) => holds(JSON.stringify(value))),
        RUNS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'answers any string sent as JSON without a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), (text) => holds(text)),
        RUNS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'answers arbitrary bytes sent as JSON without a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (bytes) => holds(Buffer.from(bytes))),
        RUNS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'answers objects shaped almost like the body without a 5xx',
    async () => {
      const nearBody = fc.dictionary(
        fc.oneof(
          fc.constantFrom('data', 'forward_to_model', '__proto__', 'constructor', 'toString'),
          fc.string(),
        ),
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 50 }),
          fc.boolean(),
          fc.constant(null),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        { maxKeys: 4 },
      );
      await fc.assert(
        fc.asyncProperty(nearBody, (body) => holds(JSON.stringify(body))),
        RUNS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'accepts every valid body, whatever its text',
    async () => {
      const valid = fc.record(
        {
          data: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
          forward_to_model: fc.boolean(),
        },
        { requiredKeys: ['data'] },
      );
      await fc.assert(
        fc.asyncProperty(valid, async (body) => {
          const response = await post(JSON.stringify(body));
          expect(response.statusCode).toBe(200);
        }),
        RUNS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'answers any content type without a 5xx',
    async () => {
      const token = fc.stringMatching(/^[a-z0-9.+-]{1,12}$/);
      const contentType = fc
        .tuple(
          token,
          token,
          fc.option(fc.stringMatching(/^[\x21-\x7e]{0,20}$/), { nil: undefined }),
        )
        .map(
          ([type, sub, parameter]) =>
            `${type}/${sub}${parameter === undefined ? '' : `; ${parameter}`}`,
        );
      await fc.assert(
        fc.asyncProperty(contentType, (type) =>
          holds('{"data":"x","forward_to_model":false}', type),
        ),
        RUNS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
