import { MAX_BATCH_SIZE, PREDICTOR_PATTERNS } from '@ml-system/contracts';
import type { PredictManyReply, PredictionResult } from '@ml-system/contracts';
import { LifecycleService } from '@ml-system/server-core';
import type { RunningPredictor } from '../bootstrap';
import { FakeModel } from '../testing/fake-model';
import {
  capturingLogger,
  handledLines,
  rpcClient,
  startObservedPredictor,
  startTestPredictor,
} from '../testing/predictor-test-app';
import type { TestRpcClient } from '../testing/predictor-test-app';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const OTHER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = 'b7ad6b7169203331';

interface Item {
  input: unknown;
  meta: { request_id: string; deadline: number; traceparent?: string };
}

const item = (requestId: string, input: unknown, deadlineInMs = 5_000, trace = TRACE): Item => ({
  input,
  meta: {
    request_id: requestId,
    deadline: Date.now() + deadlineInMs,
    traceparent: `00-${trace}-${PARENT_SPAN}-01`,
  },
});

/** A frame as the gateway builds it: an id of its own, the latest of the items' deadlines. */
const frame = (frameId: string, items: unknown[]) => ({
  payload: { items },
  meta: {
    request_id: frameId,
    deadline: Math.max(Date.now(), ...items.map((i) => (i as Partial<Item>).meta?.deadline ?? 0)),
  },
});

describe('predictor.predict-many.v1 (real sockets)', () => {
  let predictor: RunningPredictor;
  let client: TestRpcClient;
  let lines: Record<string, unknown>[];
  const model = new FakeModel();

  const send = <T>(pattern: string, message: unknown): Promise<T> =>
    client.send<T>(pattern, message);
  const handled = (requestId: string) => handledLines(lines, requestId);

  beforeAll(async () => {
    ({ predictor, lines } = await startObservedPredictor(model));
    client = rpcClient(predictor);
  });

  afterAll(async () => {
    client.close();
    await predictor.app.close();
  });

  it('answers each item in order, drops the ones past their own deadline, and runs the model once', async () => {
    const alone = await Promise.all(
      ['my dog barks', 'a fish tank'].map((input) =>
        send<PredictionResult>(PREDICTOR_PATTERNS.predict, {
          payload: { input },
          meta: item('alone', input).meta,
        }),
      ),
    );
    const callsBefore = model.calls;
    const reply = await send<PredictManyReply>(
      PREDICTOR_PATTERNS.predictMany,
      frame('frame-1', [
        item('many-1', 'my dog barks'),
        item('many-2', 'a cat', -1),
        item('many-3', 'a fish tank'),
      ]),
    );
    expect(reply).toEqual({
      results: [
        { result: alone[0] },
        {
          error: {
            code: 'DEADLINE_EXCEEDED',
            message: 'the request deadline passed before the model ran',
          },
        },
        { result: alone[1] },
      ],
    });
    expect(model.calls).toBe(callsBefore + 1);
  });

  it('logs one line per item, with its own request id, trace and span, and none for the frame', async () => {
    await send(
      PREDICTOR_PATTERNS.predictMany,
      frame('frame-2', [item('log-1', 'a bird'), item('log-2', 'a rabbit', -1, OTHER_TRACE)]),
    );
    const [first, second] = [handled('log-1'), handled('log-2')];
    expect(first).toEqual([
      expect.objectContaining({
        level: 'info',
        trace_id: TRACE,
        span_id: expect.stringMatching(/^[\da-f]{16}$/),
        pattern: PREDICTOR_PATTERNS.predictMany,
        outcome: 'ok',
        latency_ms: expect.any(Number),
      }),
    ]);
    expect(second).toEqual([
      expect.objectContaining({
        level: 'warn',
        trace_id: OTHER_TRACE,
        outcome: 'DEADLINE_EXCEEDED',
      }),
    ]);
    expect(first[0]?.['span_id']).not.toBe(second[0]?.['span_id']);
    expect(first[0]?.['span_id']).not.toBe(PARENT_SPAN);
    expect(handled('frame-2')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('rabbit');
  });

  it('fails only the item the model fails on, and reports that bug under its ids', async () => {
    const reply = await send<PredictManyReply>(
      PREDICTOR_PATTERNS.predictMany,
      frame('frame-3', [item('bug-1', 'a cat'), item('bug-2', 'boom'), item('bug-3', 'a dog')]),
    );
    expect(reply.results).toEqual([
      {
        result: expect.objectContaining({ prediction: expect.objectContaining({ class: 'cat' }) }),
      },
      { error: { code: 'INTERNAL', message: 'the predictor failed to handle the message' } },
      {
        result: expect.objectContaining({ prediction: expect.objectContaining({ class: 'dog' }) }),
      },
    ]);
    expect(handled('bug-2')).toEqual([
      expect.objectContaining({ level: 'warn', outcome: 'INTERNAL' }),
    ]);
    const bug = lines.filter(
      (line) => line['context'] === 'RpcErrors' && line['level'] === 'error',
    );
    expect(bug).toEqual([
      expect.objectContaining({
        request_id: 'bug-2',
        trace_id: TRACE,
        span_id: handled('bug-2')[0]?.['span_id'],
      }),
    ]);
  });

  it.each([
    [
      'one item too many',
      Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => item(`big-${i}`, 'x')),
      /payload\.items/,
    ],
    ['an empty input', [item('e-1', 'a cat'), item('e-2', '')], /input/],
    ['an item without meta', [item('m-1', 'a cat'), { input: 'a dog' }], /meta/],
    ['no item', [], /payload\.items/],
  ])(
    'refuses a frame with %s as a whole, with INVALID_INPUT, logged under the frame id',
    async (what, items, wording) => {
      const frameId = `invalid ${what}`;
      const callsBefore = model.calls;
      await expect(send(PREDICTOR_PATTERNS.predictMany, frame(frameId, items))).rejects.toEqual({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(wording),
      });
      expect(model.calls).toBe(callsBefore);
      expect(handled(frameId)).toEqual([
        expect.objectContaining({
          level: 'warn',
          pattern: PREDICTOR_PATTERNS.predictMany,
          outcome: 'INVALID_INPUT',
        }),
      ]);
    },
  );

  it('counts every item once on /metrics, under the real pattern and its outcome', async () => {
    const text = await (await fetch(`${predictor.httpUrl}/metrics`)).text();
    const count = (outcome: string) =>
      Number(
        new RegExp(
          `^rpc_server_duration_seconds_count\\{pattern="predictor\\.predict-many\\.v1",outcome="${outcome}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1],
      );
    // Items answered above: frame-1 (2 ok, 1 late), frame-2 (1 ok, 1 late), frame-3 (2 ok, 1 bug); four refused frames.
    expect(count('ok')).toBe(5);
    expect(count('DEADLINE_EXCEEDED')).toBe(2);
    expect(count('INTERNAL')).toBe(1);
    expect(count('INVALID_INPUT')).toBe(4);
  });
});

describe('predictor.predict-many.v1 while draining', () => {
  it('refuses the whole frame with SHUTTING_DOWN, and logs each item with it', async () => {
    const { logger, lines } = capturingLogger();
    const model = new FakeModel();
    const predictor = await startTestPredictor(model, {}, logger);
    const client = rpcClient(predictor);
    try {
      await predictor.app.get(LifecycleService).beforeApplicationShutdown('SIGTERM');
      await expect(
        client.send(
          PREDICTOR_PATTERNS.predictMany,
          frame('drain', [item('d-1', 'a cat'), item('d-2', 'a dog')]),
        ),
      ).rejects.toEqual({ code: 'SHUTTING_DOWN', message: expect.any(String) });
      expect(model.calls).toBe(0);
      const outcomes = lines
        .filter((line) => line['msg'] === 'message handled')
        .map((line) => [line['request_id'], line['outcome']]);
      expect(outcomes).toEqual([
        ['d-1', 'SHUTTING_DOWN'],
        ['d-2', 'SHUTTING_DOWN'],
      ]);
    } finally {
      client.close();
      await predictor.app.close();
    }
  });
});
