import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import { nestFrame, nestFrameReader } from '@ml-system/test-support';
import type {
  PredictManyItemDto,
  PredictManyOutcome,
  PredictionResult,
  PredictorError,
  PredictorHealthReply,
} from '@ml-system/contracts';

/** One message as Nest's TCP client sends it. */
export interface StubMessage {
  pattern: string;
  data: { payload?: unknown; meta?: { request_id?: string; deadline?: number } };
  id: number | string;
}

/** What the stub does with one message. */
export type StubAction =
  | { reply: unknown; delayMs?: number }
  | { error: { code: string; message: string }; delayMs?: number }
  /** Read it, never answer (a hung handler). */
  | 'hang'
  /** Close the connection (FIN) without answering. */
  | 'close'
  /** Reset the connection (RST) without answering. */
  | 'reset';

export type StubBehaviour = (message: StubMessage) => StubAction;

export const HEALTHY: PredictorHealthReply = {
  status: 'up',
  ready: true,
  model: { name: 'stub', version: '0.0.0' },
  uptime_s: 1,
};

/** A prediction shaped like the predictor's. */
export function stubPrediction(input: string, label = 'cat'): PredictionResult {
  return {
    prediction: {
      class: label,
      confidence: 0.9,
      input_length: input.length,
      model: { name: 'stub', version: '0.0.0' },
    },
    message: `Predicted class: ${label} with 90.0% confidence`,
  };
}

/** Answers every predict with a prediction and every health check with "up". */
export const answerAll: StubBehaviour = (message) => {
  if (message.pattern.startsWith('predictor.health')) return { reply: HEALTHY };
  const payload = message.data.payload as { input?: string } | undefined;
  return { reply: stubPrediction(payload?.input ?? '') };
};

/**
 * A bare TCP server that speaks Nest's framing (`<length>#<json>`, the length
 * in characters, as JsonSocket counts it) and answers as a test tells it: the
 * real wire, without the real predictor, so every misbehaviour a predictor
 * can have is one line of a test.
 */
export class StubPredictor {
  readonly received: StubMessage[] = [];
  private readonly sockets = new Set<Socket>();
  private acceptedCount = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    public behaviour: StubBehaviour,
  ) {}

  /** Listens on `host` (127.0.0.1 unless given), on `port` or a free one. */
  static async start(
    behaviour: StubBehaviour = answerAll,
    port = 0,
    host = '127.0.0.1',
  ): Promise<StubPredictor> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    const stub = new StubPredictor(
      server,
      typeof address === 'object' && address ? address.port : port,
      behaviour,
    );
    server.on('connection', (socket: Socket) => stub.serve(socket));
    return stub;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.acceptedCount;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private serve(socket: Socket): void {
    this.acceptedCount += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    socket.on(
      'data',
      nestFrameReader((frame) => this.handle(socket, JSON.parse(frame) as StubMessage)),
    );
  }

  private handle(socket: Socket, message: StubMessage): void {
    const action =
      message.pattern === PREDICTOR_PATTERNS.predictMany
        ? this.frameAction(message)
        : this.record(message);
    if (action === 'hang') return;
    if (action === 'close') {
      socket.end();
      return;
    }
    if (action === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    const body =
      'reply' in action
        ? { id: message.id, response: action.reply, isDisposed: true }
        : { id: message.id, err: action.error, isDisposed: true };
    const send = (): void => {
      if (socket.destroyed) return;
      socket.write(nestFrame(body));
    };
    if (action.delayMs) setTimeout(send, action.delayMs);
    else send();
  }

  private record(message: StubMessage): StubAction {
    this.received.push(message);
    return this.behaviour(message);
  }

  /**
   * A predict-many frame as the real predictor serves it: each item is seen
   * (and recorded) as the predict message it stands for, and answered with its
   * own outcome; an item that hangs, closes or resets does so for the frame.
   */
  private frameAction(frame: StubMessage): StubAction {
    const items = (frame.data.payload as { items: PredictManyItemDto[] }).items;
    const actions = items.map((item) =>
      this.record({
        pattern: PREDICTOR_PATTERNS.predict,
        data: { payload: { input: item.input }, meta: item.meta },
        id: frame.id,
      }),
    );
    const drastic = actions.find((action) => typeof action === 'string');
    if (drastic) return drastic;
    let delayMs = 0;
    const results: PredictManyOutcome[] = [];
    for (const action of actions) {
      if (typeof action === 'string') continue;
      delayMs = Math.max(delayMs, action.delayMs ?? 0);
      results.push(
        'reply' in action
          ? { result: action.reply as PredictionResult }
          : // A stub may send codes outside the contract, as a broken predictor could.
            { error: action.error as PredictorError },
      );
    }
    return { reply: { results }, delayMs };
  }
}
