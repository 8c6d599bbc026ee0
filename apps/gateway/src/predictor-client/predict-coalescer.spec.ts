import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictManyMessageDto, RpcEnvelope } from '@ml-system/contracts';
import { FakeTransport } from '../testing/fake-transport';
import type { Scripted } from '../testing/fake-transport';
import { stubPrediction } from '../testing/stub-predictor';
import { MAX_FRAME_INPUT_CHARS, PredictCoalescer } from './predict-coalescer';

const { predict, predictMany, health } = PREDICTOR_PATTERNS;

const message = (input: string, deadline = 1_000, id = input): RpcEnvelope<{ input: string }> => ({
  payload: { input },
  meta: { request_id: id, deadline },
});

/** Answers a predict-many frame item by item, as the predictor does. */
const serveFrames =
  (perItem: (input: string) => object = (input) => ({ result: stubPrediction(input) })) =>
  (pattern: string, data: unknown): Scripted => {
    if (pattern === health) return { reply: 'up' };
    if (pattern === predictMany) {
      const frame = data as PredictManyMessageDto;
      return { reply: { results: frame.payload.items.map((item) => perItem(item.input)) } };
    }
    return { reply: stubPrediction((data as RpcEnvelope<{ input: string }>).payload.input) };
  };

describe(PredictCoalescer.name, () => {
  it('sends a lone call as a plain predict, untouched', async () => {
    const inner = new FakeTransport(serveFrames());
    const coalescer = new PredictCoalescer(inner, 64);
    const call = coalescer.request(predict, message('a'));
    expect(await call.settled).toEqual({ reply: stubPrediction('a') });
    expect(inner.sent).toEqual([{ pattern: predict, data: message('a') }]);
  });

  it('sends the calls of one turn as one frame, each item with its own meta, and hands each its own outcome', async () => {
    const inner = new FakeTransport(
      serveFrames((input) =>
        input === 'late'
          ? { error: { code: 'DEADLINE_EXCEEDED', message: 'too late' } }
          : { result: stubPrediction(input) },
      ),
    );
    const coalescer = new PredictCoalescer(inner, 64);
    const calls = [message('a', 500), message('late', 900), message('b', 700)].map((m) =>
      coalescer.request(predict, m),
    );
    const outcomes = await Promise.all(calls.map((call) => call.settled));
    expect(outcomes).toEqual([
      { reply: stubPrediction('a') },
      { failure: { code: 'DEADLINE_EXCEEDED', message: 'too late' } },
      { reply: stubPrediction('b') },
    ]);
    expect(inner.sent).toHaveLength(1);
    const [sent] = inner.sent;
    expect(sent?.pattern).toBe(predictMany);
    expect(sent?.data).toEqual({
      payload: {
        items: [
          { input: 'a', meta: { request_id: 'a', deadline: 500 } },
          { input: 'late', meta: { request_id: 'late', deadline: 900 } },
          { input: 'b', meta: { request_id: 'b', deadline: 700 } },
        ],
      },
      // The frame lives as long as its longest-lived item.
      meta: { request_id: expect.stringMatching(/^frame-\d+$/), deadline: 900 },
    });
  });

  it('never merges a call that names a model (or a version) into a frame of default-model calls', async () => {
    const inner = new FakeTransport(serveFrames());
    const coalescer = new PredictCoalescer(inner, 64);
    const named = {
      payload: { input: 'n', model: 'tiny-sentiment' },
      meta: { request_id: 'n', deadline: 800 },
    };
    const versioned = {
      payload: { input: 'v', model: 'tiny-sentiment', version: '2' },
      meta: { request_id: 'v', deadline: 800 },
    };
    const calls = [
      coalescer.request(predict, message('a')),
      coalescer.request(predict, named),
      coalescer.request(predict, message('b')),
      coalescer.request(predict, versioned),
    ];
    const outcomes = await Promise.all(calls.map((call) => call.settled));
    expect(outcomes.map((o) => ('reply' in o ? 'ok' : 'failed'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    // The named calls leave alone, as they came; the default-model calls still share a frame.
    expect(inner.sent).toEqual([
      { pattern: predict, data: named },
      { pattern: predict, data: versioned },
      {
        pattern: predictMany,
        data: {
          payload: {
            items: [
              { input: 'a', meta: { request_id: 'a', deadline: 1_000 } },
              { input: 'b', meta: { request_id: 'b', deadline: 1_000 } },
            ],
          },
          meta: { request_id: expect.stringMatching(/^frame-\d+$/), deadline: 1_000 },
        },
      },
    ]);
  });

  it('splits at maxItems and at the frame character budget', async () => {
    const inner = new FakeTransport(serveFrames());
    const coalescer = new PredictCoalescer(inner, 3);
    const small = Array.from({ length: 7 }, (_, i) => coalescer.request(predict, message(`t${i}`)));
    await Promise.all(small.map((call) => call.settled));
    expect(
      inner.sent.map((s) =>
        s.pattern === predictMany ? (s.data as PredictManyMessageDto).payload.items.length : 1,
      ),
    ).toEqual([3, 3, 1]);

    inner.sent.length = 0;
    const big = 'x'.repeat(Math.ceil(MAX_FRAME_INPUT_CHARS / 2));
    const wide = new PredictCoalescer(inner, 64);
    const calls = [
      wide.request(predict, message(big)),
      wide.request(predict, message(big)),
      wide.request(predict, message('c')),
    ];
    await Promise.all(calls.map((call) => call.settled));
    expect(inner.sent.map((s) => s.pattern)).toEqual([predictMany, predict]);
  });

  it('passes other patterns straight through, and everything when maxItems is 1', async () => {
    const inner = new FakeTransport(serveFrames());
    await new PredictCoalescer(inner, 64).request(health, {}).settled;
    const off = new PredictCoalescer(inner, 1);
    await Promise.all([
      off.request(predict, message('a')).settled,
      off.request(predict, message('b')).settled,
    ]);
    expect(inner.sent.map((s) => s.pattern)).toEqual([health, predict, predict]);
  });

  it('fails every item with the frame when the frame fails (the endpoint decides about retries)', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const inner = new FakeTransport(() => ({ fail: reset }));
    const coalescer = new PredictCoalescer(inner, 64);
    const outcomes = await Promise.all([
      coalescer.request(predict, message('a')).settled,
      coalescer.request(predict, message('b')).settled,
    ]);
    expect(outcomes).toEqual([{ failure: reset }, { failure: reset }]);
  });

  it('fails every item on a reply of the wrong shape', async () => {
    const inner = new FakeTransport(() => ({ reply: { results: [] } }));
    const coalescer = new PredictCoalescer(inner, 64);
    const outcomes = await Promise.all([
      coalescer.request(predict, message('a')).settled,
      coalescer.request(predict, message('b')).settled,
    ]);
    for (const outcome of outcomes) {
      expect(outcome).toEqual({
        failure: expect.objectContaining({ message: expect.stringMatching(/malformed/i) }),
      });
    }
  });

  it('falls back to one predict per call, for good, when the predictor does not serve predict-many', async () => {
    const inner = new FakeTransport((pattern, data) =>
      pattern === predictMany
        ? { fail: 'There is no matching message handler defined in the remote service.' }
        : { reply: stubPrediction((data as RpcEnvelope<{ input: string }>).payload.input) },
    );
    const coalescer = new PredictCoalescer(inner, 64);
    const first = await Promise.all([
      coalescer.request(predict, message('a')).settled,
      coalescer.request(predict, message('b')).settled,
    ]);
    expect(first).toEqual([{ reply: stubPrediction('a') }, { reply: stubPrediction('b') }]);
    inner.sent.length = 0;
    await Promise.all([
      coalescer.request(predict, message('c')).settled,
      coalescer.request(predict, message('d')).settled,
    ]);
    expect(inner.sent.map((s) => s.pattern)).toEqual([predict, predict]);
  });

  it('leaves a cancelled call out of the frame, and cancels a frame on the wire once none of its items waits', async () => {
    const inner = new FakeTransport((pattern) =>
      pattern === predictMany ? 'hang' : { reply: 'alone' },
    );
    const coalescer = new PredictCoalescer(inner, 64);
    const dropped = coalescer.request(predict, message('dropped'));
    const kept = coalescer.request(predict, message('kept'));
    dropped.cancel();
    expect(await kept.settled).toEqual({ reply: 'alone' });
    expect(inner.sent).toEqual([{ pattern: predict, data: message('kept') }]);

    const a = coalescer.request(predict, message('a'));
    const b = coalescer.request(predict, message('b'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(inner.sent.at(-1)?.pattern).toBe(predictMany);
    a.cancel();
    expect(inner.abandoned).toBe(0);
    b.cancel();
    expect(inner.abandoned).toBe(1);
  });

  it('has the connection write the frame at once, not a turn later', async () => {
    const inner = Object.assign(new FakeTransport(serveFrames()), { flush: jest.fn() });
    const coalescer = new PredictCoalescer(inner, 64);
    const calls = [
      coalescer.request(predict, message('a')),
      coalescer.request(predict, message('b')),
    ];
    expect(inner.flush).not.toHaveBeenCalled();
    await Promise.all(calls.map((call) => call.settled));
    expect(inner.sent).toHaveLength(1);
    expect(inner.flush).toHaveBeenCalledTimes(1);
  });

  it('hands connected and close through to the connection', () => {
    const inner = new FakeTransport();
    const coalescer = new PredictCoalescer(inner, 64);
    inner.connected = false;
    expect(coalescer.connected).toBe(false);
    coalescer.close();
    expect(inner.closed).toBe(true);
  });
});
