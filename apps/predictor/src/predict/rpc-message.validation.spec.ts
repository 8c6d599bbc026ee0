import fc from 'fast-check';
import type { RpcException } from '@nestjs/microservices';
import {
  InferMessageDto,
  MAX_BATCH_SIZE,
  PredictManyMessageDto,
  PredictMessageDto,
} from '@ml-system/contracts';
import {
  plainlyValidInferMessage,
  plainlyValidPredictManyMessage,
  plainlyValidPredictMessage,
  strictlyValidMessage,
} from './rpc-message.validation';

const meta = { request_id: 'r-1', deadline: 1_900_000_000_000 };
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** The error body class-validator's pipe rejects `value` with, or undefined when it accepts it. */
async function strictError<T>(value: unknown, dto: new () => T): Promise<unknown> {
  return strictlyValidMessage(value, dto).then(
    () => undefined,
    (error: unknown) => (error as RpcException).getError(),
  );
}

/** Draws meta objects, mostly well-formed, with the near misses the fast path must spot. */
const metaArb = fc.oneof(
  fc.record(
    {
      request_id: fc.oneof(fc.string({ maxLength: 130 }), fc.integer()),
      deadline: fc.oneof(fc.integer({ min: -5, max: 2_000_000_000_000 }), fc.double(), fc.string()),
      traceparent: fc.oneof(fc.constant(TRACEPARENT), fc.string()),
      extra: fc.string(),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      request_id: fc.string({ maxLength: 130 }),
      deadline: fc.oneof(fc.nat(), fc.constant(-1), fc.double()),
      traceparent: fc.constantFrom(TRACEPARENT, 'x'),
    },
    { requiredKeys: ['request_id', 'deadline'] },
  ),
);

/** Meta objects the fast path must take: bounds met, the traceparent well formed. */
const wellFormedMeta = fc.record(
  {
    request_id: fc.string({ maxLength: 128 }),
    deadline: fc.nat(),
    traceparent: fc.constant(TRACEPARENT),
  },
  { requiredKeys: ['request_id', 'deadline'] },
);

describe(plainlyValidPredictMessage.name, () => {
  it('takes a plain predict message as it is, without building instances', () => {
    const value = { payload: { input: 'x' }, meta };
    expect(plainlyValidPredictMessage(value)).toBe(value);
  });

  it.each([
    [{ payload: { input: '' }, meta }],
    [{ payload: { input: 'x', extra: 1 }, meta }],
    [{ payload: { input: 'x' }, meta: { ...meta, deadline: 1.5 } }],
    [{ payload: { input: 'x' }, meta: { ...meta, traceparent: 'nope' } }],
    [{ payload: { input: 'x' } }],
    [{ payload: { input: 'x' }, meta, other: true }],
  ])('leaves %j to the full validation', (value) => {
    expect(plainlyValidPredictMessage(value)).toBeNull();
  });

  it('accepts nothing that class-validator refuses', async () => {
    const anyShape = fc.record(
      {
        payload: fc.record(
          { input: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()), extra: fc.boolean() },
          { requiredKeys: [] },
        ),
        meta: metaArb,
      },
      { requiredKeys: [] },
    );
    const nearValid = fc.record({
      payload: fc.record({ input: fc.string({ maxLength: 12 }) }),
      meta: metaArb,
    });
    // A third well-formed, so that the fast path is taken often (about 170 times in 500) and checked;
    // the near misses are what it must spot.
    const wellFormed = fc.record({
      payload: fc.record({ input: fc.string({ minLength: 1, maxLength: 12 }) }),
      meta: wellFormedMeta,
    });
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyShape, nearValid, wellFormed), async (value) => {
        if (plainlyValidPredictMessage(value) === null) return;
        taken += 1;
        expect(await strictError(value, PredictMessageDto)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    expect(taken).toBeGreaterThan(100);
  });
});

describe(plainlyValidInferMessage.name, () => {
  const request = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['x'] }] };

  it('takes a plain infer message as it is, tensors untouched', () => {
    const value = { payload: { model: 'tiny-sentiment', version: '2', request }, meta };
    const valid = plainlyValidInferMessage(value);
    expect(valid).toBe(value);
    expect(valid?.payload.request).toBe(request);
  });

  it.each([
    [{ payload: { model: 'm', request: [] }, meta }],
    [{ payload: { model: 'm', request: null }, meta }],
    [{ payload: { model: '-m', request }, meta }],
    [{ payload: { model: 'm', version: '0', request }, meta }],
    [{ payload: { model: 'm', version: null, request }, meta }],
    [{ payload: { model: 'm', request, extra: 1 }, meta }],
    [{ payload: { request }, meta }],
    [{ payload: { model: 'm', request }, meta: { ...meta, deadline: -1 } }],
    [{ payload: { model: 'm', request } }],
    [{ payload: { model: 'm', request }, meta, other: true }],
  ])('leaves %j to the full validation', (value) => {
    expect(plainlyValidInferMessage(value)).toBeNull();
  });

  it('accepts nothing that class-validator refuses', async () => {
    const requestArb = fc.oneof(
      fc.constant(request),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const anyShape = fc.record(
      {
        payload: fc.record(
          {
            model: fc.oneof(fc.constantFrom('m', 'tiny-sentiment', '-m', ''), fc.string()),
            version: fc.oneof(fc.constantFrom('1', '12', '0', '01'), fc.string(), fc.integer()),
            request: requestArb,
            extra: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        meta: metaArb,
      },
      { requiredKeys: [] },
    );
    // Well-formed but for what the arbitraries put in: the fast path is taken often and checked.
    const nearValid = fc.record({
      payload: fc.record(
        {
          model: fc.constantFrom('m', 'tiny-sentiment', 'a.b_c-1'),
          version: fc.constantFrom('1', '42'),
          request: requestArb,
        },
        { requiredKeys: ['model', 'request'] },
      ),
      meta: wellFormedMeta,
    });
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyShape, nearValid), async (value) => {
        if (plainlyValidInferMessage(value) === null) return;
        taken += 1;
        expect(await strictError(value, InferMessageDto)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    expect(taken).toBeGreaterThan(100);
  });
});

describe(plainlyValidPredictManyMessage.name, () => {
  const item = (input: unknown = 'a cat', itemMeta: unknown = meta) => ({ input, meta: itemMeta });
  const frame = (items: unknown, frameMeta: unknown = meta) => ({
    payload: { items },
    meta: frameMeta,
  });

  it('takes a plain frame as it is, up to the batch limit', () => {
    const one = frame([item()]);
    expect(plainlyValidPredictManyMessage(one)).toBe(one);
    const full = frame(
      Array.from({ length: MAX_BATCH_SIZE }, () =>
        item('x', { ...meta, traceparent: TRACEPARENT }),
      ),
    );
    expect(plainlyValidPredictManyMessage(full)).toBe(full);
  });

  it.each([
    ['no item', frame([])],
    ['one item too many', frame(Array.from({ length: MAX_BATCH_SIZE + 1 }, () => item()))],
    ['items that are not a list', frame({ 0: item() })],
    ['an empty input', frame([item(), item('')])],
    ['an input that is not text', frame([item(5)])],
    ['an item without meta', frame([{ input: 'x' }])],
    ['an item with an unknown field', frame([{ ...item(), extra: true }])],
    ['an item with a bad traceparent', frame([item('x', { ...meta, traceparent: 'nope' })])],
    ['an item that is not an object', frame(['x'])],
    ['no frame meta', { payload: { items: [item()] } }],
    ['an unknown payload field', { payload: { items: [item()], inputs: ['x'] }, meta }],
  ])('leaves a frame with %s to the full validation, which refuses it', async (_what, value) => {
    expect(plainlyValidPredictManyMessage(value)).toBeNull();
    expect(await strictError(value, PredictManyMessageDto)).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('accepts nothing that class-validator refuses', async () => {
    const validMeta = fc.record(
      {
        request_id: fc.string({ maxLength: 128 }),
        deadline: fc.nat(),
        traceparent: fc.constant(TRACEPARENT),
      },
      { requiredKeys: ['request_id', 'deadline'] },
    );
    // Mostly well-formed, so that the fast path is taken often; the near misses are what it must spot.
    const someMeta = fc.oneof(
      { arbitrary: validMeta, weight: 4 },
      { arbitrary: metaArb, weight: 1 },
    );
    const wellFormedItem = fc.record({
      input: fc.string({ minLength: 1, maxLength: 12 }),
      meta: validMeta,
    });
    const item = fc.oneof(
      { arbitrary: wellFormedItem, weight: 6 },
      {
        arbitrary: fc.record(
          {
            input: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
            meta: fc.oneof(metaArb, fc.constant(null), fc.string()),
            extra: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        weight: 1,
      },
    );
    const items = fc.oneof(
      { arbitrary: fc.array(item, { maxLength: 4 }), weight: 6 },
      // Around the size limit, so that the size decides.
      {
        arbitrary: fc.array(wellFormedItem, {
          minLength: MAX_BATCH_SIZE - 1,
          maxLength: MAX_BATCH_SIZE + 1,
        }),
        weight: 1,
      },
      { arbitrary: fc.string(), weight: 1 },
    );
    const payload = fc.oneof(
      { arbitrary: fc.record({ items }), weight: 4 },
      { arbitrary: fc.record({ items, extra: fc.boolean() }, { requiredKeys: [] }), weight: 1 },
    );
    const value = fc.record({ payload, meta: someMeta }, { requiredKeys: ['payload'] });
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(value, async (candidate) => {
        if (plainlyValidPredictManyMessage(candidate) === null) return;
        taken += 1;
        expect(await strictError(candidate, PredictManyMessageDto)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
    expect(taken).toBeGreaterThan(25);
  });
});

describe(strictlyValidMessage.name, () => {
  it('builds the DTO instances and words INVALID_INPUT field by field', async () => {
    await expect(
      strictlyValidMessage({ payload: { input: 'x' }, meta }, PredictMessageDto),
    ).resolves.toBeInstanceOf(PredictMessageDto);
    expect(await strictError({ payload: { input: 5 }, meta }, PredictMessageDto)).toEqual({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^payload\.input: /),
    });
  });
});
