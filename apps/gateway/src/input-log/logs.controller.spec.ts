import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PredictionResult } from '@ml-system/contracts';
import { PredictorClient } from '../predictor-client/predictor-client';
import { PredictorUnavailableError } from '../predictor-client/predictor.errors';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { strictMock } from '../testing/strict-mock';
import { makeTempDir, removeTempDir } from '../testing/temp-dir';
import { waitFor } from '@ml-system/test-support';

const CAT: PredictionResult = {
  prediction: {
    class: 'cat',
    confidence: 0.93,
    input_length: 14,
    model: { name: 'm', version: '1.0.0' },
  },
  message: 'Predicted class: cat with 93.0% confidence',
};

describe('LogsController (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  let predict: jest.Mock;

  const post = (data: string, forward: boolean, id?: string) =>
    app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', ...(id ? { 'x-request-id': id } : {}) },
      payload: { data, forward_to_model: forward },
    });
  const get = (url: string) => app.inject({ method: 'GET', url });

  describe('with a working log', () => {
    beforeEach(async () => {
      predict = jest.fn();
      app = await gatewayTestApp(strictMock(PredictorClient, { predict }));
    });

    afterEach(async () => {
      await app.close();
    });

    it('returns a logged input by its request id, with its outcome', async () => {
      const response = await post('sample input', false, 'req-1');
      expect(response.statusCode).toBe(200);
      const found = await waitFor('the outcome', async () => {
        const record = await get('/logs/req-1');
        return record.json<{ outcome: unknown }>().outcome ? record : undefined;
      });
      expect(found.statusCode).toBe(200);
      expect(found.json()).toEqual({
        id: 'req-1',
        received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        redaction: 'none',
        data: 'sample input',
        forward_to_model: false,
        outcome: {
          status: 'logged',
          latency_ms: expect.any(Number),
          recorded_at: expect.any(String),
        },
      });
    });

    it('records the prediction or the error code as the outcome', async () => {
      predict
        .mockResolvedValueOnce(CAT)
        .mockRejectedValueOnce(new PredictorUnavailableError('connection refused'));
      const predicted = await post('cat image data', true);
      const failed = await post('cat image data', true);
      expect([predicted.statusCode, failed.statusCode]).toEqual([200, 503]);
      const outcome = async (id: unknown) =>
        waitFor(
          'the outcome',
          async () =>
            (await get(`/logs/${String(id)}`)).json<{ outcome: unknown }>().outcome ?? undefined,
        );
      expect(await outcome(predicted.json().request_id)).toMatchObject({
        status: 'predicted',
        class: 'cat',
        confidence: 0.93,
        model: 'm',
        model_version: '1.0.0',
      });
      // The input was logged (before the predictor failed): a 503 from the predictor still leaves a record.
      expect(await outcome(failed.json().request_id)).toMatchObject({
        status: 'error',
        code: 'PREDICTOR_UNAVAILABLE',
      });
    });

    it('pages newest first with an opaque cursor', async () => {
      for (let i = 0; i < 7; i++)
        expect((await post(`input ${i}`, false, `p${i}`)).statusCode).toBe(200);
      const ids: string[][] = [];
      let url = '/logs?limit=3';
      for (;;) {
        const response = await get(url);
        expect(response.statusCode).toBe(200);
        const page = response.json<{ items: Array<{ id: string }>; next: string | null }>();
        ids.push(page.items.map((item) => item.id));
        if (!page.next) break;
        url = `/logs?limit=3&before=${encodeURIComponent(page.next)}`;
      }
      expect(ids).toEqual([['p6', 'p5', 'p4'], ['p3', 'p2', 'p1'], ['p0']]);
    });

    it('defaults to 50 items', async () => {
      for (let i = 0; i < 52; i++) await post(`input ${i}`, false);
      const page = (await get('/logs')).json<{ items: unknown[]; next: string | null }>();
      expect(page.items).toHaveLength(50);
      expect(page.next).toEqual(expect.any(String));
    });

    it('answers an unknown id with a 404 problem that does not echo it', async () => {
      const response = await get('/logs/no-such-id');
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({
        status: 404,
        code: 'NOT_FOUND',
        request_id: response.headers['x-request-id'],
      });
      expect(response.body).not.toContain('no-such-id');
    });

    it.each([
      ['limit=0', 'limit: limit must not be less than 1'],
      ['limit=501', 'limit: limit must not be greater than 500'],
      ['limit=abc', 'limit: limit must be an integer number'],
      ['limit=1.5', 'limit: limit must be an integer number'],
      ['limit=-1', 'limit: limit must be an integer number'],
      ['limit=1e2', 'limit: limit must be an integer number'],
      ['limit=', 'limit: limit must be an integer number'],
      ['limit=1&limit=2', 'limit: limit must be an integer number'],
      ['before=bm9wZQ', 'before: before must be a cursor returned as "next"'],
      ['page=2', 'page: property page should not exist'],
    ])('refuses ?%s with a 400 problem naming the parameter', async (query, line) => {
      const response = await get(`/logs?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(response.json<{ errors: string[] }>().errors).toEqual([line]);
    });

    it('accepts the bounds of limit', async () => {
      expect((await get('/logs?limit=1')).statusCode).toBe(200);
      expect((await get('/logs?limit=500')).statusCode).toBe(200);
    });
  });

  describe('when the log directory cannot be created', () => {
    let root: string;

    beforeEach(async () => {
      root = await makeTempDir('unwritable');
      // Specs run as root, which ignores permission bits: block the path with a regular file.
      await writeFile(join(root, 'file'), '');
      app = await gatewayTestApp(strictMock(PredictorClient, {}), {
        env: { INPUT_LOG_DIR: join(root, 'file', 'sub') },
      });
    });

    afterEach(async () => {
      await app.close();
      await removeTempDir(root);
    });

    it('stays alive but not ready, and refuses inputs with 503 INPUT_LOG_UNAVAILABLE', async () => {
      expect((await get('/health/live')).statusCode).toBe(200);
      const ready = await get('/health/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        error: {
          input_log: { status: 'down', reason: 'the log directory cannot be created or is gone' },
        },
      });

      const refused = await post('sample input', false);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json()).toMatchObject({
        code: 'INPUT_LOG_UNAVAILABLE',
        detail:
          'The input could not be recorded (the log directory cannot be created or is gone), so it was not accepted; retry later',
      });
      expect(refused.body).not.toContain(root);

      const list = await get('/logs');
      expect(list.statusCode).toBe(503);
      expect(list.json()).toMatchObject({ code: 'INPUT_LOG_UNAVAILABLE' });
    });
  });
});
