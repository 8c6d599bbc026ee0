import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { PREDICTOR_PATTERNS } from '@ml-system/contracts';
import { freePort } from '@ml-system/test-support';
import {
  ONNX_INFER_PATH,
  startBaseline,
  startDurableOnnxFront,
  startNestPair,
  startOnnxFloor,
  stopAll,
} from './systems';
import type { System } from './systems';

jest.setTimeout(120_000);

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

afterAll(() => stopAll());

describe(startNestPair.name, () => {
  let pair: System;

  beforeAll(async () => {
    pair = await startNestPair();
  });

  it('forwards through ClientProxy to the microservice and answers with its prediction', async () => {
    const answer = await post(`${pair.url}/process`, { data: 'wags its tail when I come home' });
    expect(answer).toEqual({
      status: 200,
      body: {
        status: 'Input logged successfully',
        model_prediction: {
          prediction: { class: 'dog', confidence: expect.any(Number), input_length: 30 },
          message: expect.stringMatching(/^Predicted class: dog with/),
        },
        request_id: expect.any(String),
      },
    });
  });

  it('answers locally without the predictor, and logs one line per request on each side', async () => {
    const answer = await post(`${pair.url}/process`, { data: 'x', forward_to_model: false });
    expect(answer).toEqual({
      status: 200,
      body: { status: 'Input logged successfully', request_id: expect.any(String) },
    });
    const [gateway, predictor] = pair.processes;
    // Two requests so far (one forwarded, one local), one forwarded to the predictor.
    expect(gateway?.logs.match(/POST \/process/g)).toHaveLength(2);
    expect(predictor?.logs.match(/rpc predict/g)).toHaveLength(1);
  });
});

describe(startOnnxFloor.name, () => {
  let floor: System;
  const texts = [
    'I really love this, it is great',
    'terrible awful',
    'it is fine I guess',
    'a much longer text with many words that go beyond the sixteen token limit of this tiny model',
  ];
  interface Answer {
    parameters: { batch_size: number };
    outputs: Array<{ name: string; shape: number[]; data: unknown[] }>;
  }
  const infer = async (batch: string[]): Promise<Answer> => {
    const answer = await post(`${floor.url}${floor.inferPath ?? ''}`, {
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [batch.length], data: batch }],
    });
    expect(answer.status).toBe(200);
    return answer.body as Answer;
  };

  beforeAll(async () => {
    floor = await startOnnxFloor();
  });

  it('labels each text by its most probable class', async () => {
    const { outputs } = await infer(texts);
    const [labels, probabilities] = outputs;
    expect(labels).toMatchObject({ name: 'label', shape: [texts.length] });
    expect(probabilities).toMatchObject({ name: 'probabilities', shape: [texts.length, 3] });
    const rows = texts.map((_, r) => (probabilities?.data as number[]).slice(r * 3, r * 3 + 3));
    for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(labels?.data[1]).toBe('NEGATIVE');
  });

  it('gives each of many concurrent requests the answer it gets alone', async () => {
    const alone: Answer[] = [];
    for (const text of texts) alone.push(await infer([text]));
    const together = await Promise.all(
      Array.from({ length: 40 }, (_, i) => infer([texts[i % texts.length] ?? ''])),
    );
    // Requests that arrive together share a session run.
    expect(Math.max(...together.map((answer) => answer.parameters.batch_size))).toBeGreaterThan(1);
    together.forEach((answer, i) => {
      const expected = alone[i % texts.length];
      expect(answer.outputs[0]?.data).toEqual(expected?.outputs[0]?.data);
      const got = answer.outputs[1]?.data as number[];
      (expected?.outputs[1]?.data as number[]).forEach((p, c) => expect(got[c]).toBeCloseTo(p, 5));
    });
  });

  it('refuses a body without texts with a 400', async () => {
    expect((await post(`${floor.url}/`, { inputs: [] })).status).toBe(400);
  });
});

describe('durable-floor', () => {
  let floor: System;

  beforeAll(async () => {
    floor = await startBaseline('durable-floor');
  });

  it('has every answered input on disk, forwarded or not', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(`${floor.url}/process`, { data: `input ${i}`, forward_to_model: i % 2 === 0 }),
      ),
    );
    const file = /inputs to (\S+)/.exec(floor.processes[0]?.logs ?? '')?.[1] ?? '';
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; data: string });
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      const { request_id: id, model_prediction: prediction } = answer.body as {
        request_id: string;
        model_prediction?: unknown;
      };
      expect(lines).toContainEqual({ id, data: `input ${i}` });
      expect(prediction !== undefined).toBe(i % 2 === 0);
    });
  });

  it('refuses a body without data with a 400', async () => {
    expect((await post(`${floor.url}/process`, { forward_to_model: false })).status).toBe(400);
  });
});

/** Answers `predictor.infer.v1` over Nest's own TCP server with what it was sent, as a model would answer. */
@Controller()
class EchoInferController {
  @MessagePattern(PREDICTOR_PATTERNS.infer)
  infer(
    @Payload()
    message: {
      payload: { model: string; version?: string; request: unknown };
      meta: { request_id: string; deadline: number };
    },
  ): unknown {
    const { payload, meta } = message;
    return {
      model_name: payload.model,
      model_version: payload.version,
      outputs: [
        { name: 'echo', datatype: 'BYTES', shape: [1], data: [JSON.stringify(payload.request)] },
        {
          name: 'deadline_ahead',
          datatype: 'BOOL',
          shape: [1],
          data: [meta.deadline > Date.now()],
        },
      ],
    };
  }
}

@Module({ controllers: [EchoInferController] })
class EchoInferModule {}

describe('durable-onnx-floor', () => {
  let backend: INestMicroservice;
  let floor: System;

  beforeAll(async () => {
    const port = await freePort();
    backend = await NestFactory.createMicroservice(EchoInferModule, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
      logger: false,
    });
    await backend.listen();
    floor = await startDurableOnnxFront(port);
  });

  afterAll(() => backend.close());

  it("passes each infer body through Nest's TCP framing and has every answered one on disk", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => ({
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [`text ${i} é`] }],
    }));
    const answers = await Promise.all(
      bodies.map((body) => post(`${floor.url}${ONNX_INFER_PATH}`, body)),
    );
    const file = /inputs to (\S+)/.exec(floor.processes[0]?.logs ?? '')?.[1] ?? '';
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; data: unknown });
    const [, model, version] =
      /^\/v2\/models\/([^/]+)\/versions\/([^/]+)\/infer$/.exec(ONNX_INFER_PATH) ?? [];
    answers.forEach((answer, i) => {
      expect(answer).toEqual({
        status: 200,
        body: {
          model_name: model,
          model_version: version,
          outputs: [
            { name: 'echo', datatype: 'BYTES', shape: [1], data: [JSON.stringify(bodies[i])] },
            { name: 'deadline_ahead', datatype: 'BOOL', shape: [1], data: [true] },
          ],
        },
      });
      expect(lines.map((line) => line.data)).toContainEqual(bodies[i]);
    });
    expect(lines).toHaveLength(bodies.length);
  });
});
