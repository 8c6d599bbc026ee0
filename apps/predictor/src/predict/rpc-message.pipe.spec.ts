import fc from 'fast-check';
import { PredictMessageDto } from '@ml-system/contracts';
import { RpcMessagePipe, plainlyValidPredictMessage } from './rpc-message.pipe';

const metadata = { type: 'body' as const, metatype: PredictMessageDto, data: '' };
const meta = { request_id: 'r-1', deadline: 1_900_000_000_000 };

describe(plainlyValidPredictMessage.name, () => {
  it('takes a plain predict message and builds the nested DTO', () => {
    const message = plainlyValidPredictMessage({ payload: { input: 'x' }, meta });
    expect(message).toBeInstanceOf(PredictMessageDto);
    expect(message?.payload.input).toBe('x');
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
    const full = new RpcMessagePipe();
    const metaArb = fc.record(
      {
        request_id: fc.oneof(fc.string({ maxLength: 130 }), fc.integer()),
        deadline: fc.oneof(fc.integer({ min: -5, max: 2_000_000_000_000 }), fc.double(), fc.string()),
        traceparent: fc.oneof(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), fc.string()),
        extra: fc.string(),
      },
      { requiredKeys: [] },
    );
    const anyShape = fc.record(
      {
        payload: fc.record({ input: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()), extra: fc.boolean() }, { requiredKeys: [] }),
        meta: metaArb,
      },
      { requiredKeys: [] },
    );
    // Mostly well-formed, so that the fast path is taken often and checked.
    const nearValid = fc.record({
      payload: fc.record({ input: fc.string({ maxLength: 12 }) }),
      meta: fc.record(
        {
          request_id: fc.string({ maxLength: 130 }),
          deadline: fc.oneof(fc.nat(), fc.constant(-1), fc.double()),
          traceparent: fc.constantFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x'),
        },
        { requiredKeys: ['request_id', 'deadline'] },
      ),
    });
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyShape, nearValid), async (value) => {
        if (plainlyValidPredictMessage(value) === null) return;
        taken += 1;
        // The full pipe must accept it too (it throws INVALID_INPUT otherwise).
        const validated = await (full as unknown as { full: RpcMessagePipe }).full.transform(value, metadata);
        expect(validated).toBeInstanceOf(PredictMessageDto);
      }),
      { numRuns: 500 },
    );
    expect(taken).toBeGreaterThan(25);
  });
});
