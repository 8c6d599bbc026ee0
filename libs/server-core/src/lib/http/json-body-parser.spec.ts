import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { ProblemException } from '../problem/problem.exception';
import { installJsonBodyParser } from './json-body-parser';

describe(installJsonBodyParser.name, () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = fastify({ logger: false });
    installJsonBodyParser(app, { maxDepth: 4 });
    app.post('/', async (request) => ({ got: request.body }));
    app.post('/text', async (request) => ({ text: request.jsonBodyText ?? null }));
    app.setErrorHandler((error, _request, reply) => {
      const status = error instanceof ProblemException ? error.getStatus() : 500;
      const code = error instanceof ProblemException ? error.code : 'OTHER';
      void reply
        .status(status)
        .send({ code, detail: error instanceof ProblemException ? error.detail : '' });
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/', headers: { 'content-type': contentType }, payload });

  it('parses a JSON object', async () => {
    expect((await post('{"a":[1,{"b":2}]}')).json()).toEqual({ got: { a: [1, { b: 2 }] } });
  });

  it('hands over the text it parsed, as sent, and none without a body', async () => {
    const text = '{ "a" : [1.0, "\\u00e9"],\n "b": "é" }';
    const sent = await app.inject({
      method: 'POST',
      url: '/text',
      headers: { 'content-type': 'application/json' },
      payload: text,
    });
    expect(sent.json()).toEqual({ text });
    expect((await app.inject({ method: 'POST', url: '/text' })).json()).toEqual({ text: null });
  });

  it('refuses nesting deeper than maxDepth before parsing', async () => {
    expect((await post('{"a":[[[1]]]}')).statusCode).toBe(200);
    const refused = await post('{"a":[[[[1]]]]}');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      detail: expect.stringContaining('deeper than 4'),
    });
  });

  it.each(['utf-16', 'latin1', 'ISO-8859-1', ''])(
    'refuses charset=%s with 415',
    async (charset) => {
      const response = await post('{"a":1}', `application/json; charset=${charset}`);
      expect(response.statusCode).toBe(415);
    },
  );

  it.each(['utf-8', 'UTF-8', 'utf8', '"utf-8"'])('accepts charset=%s', async (charset) => {
    expect((await post('{"a":1}', `application/json; charset=${charset}`)).statusCode).toBe(200);
  });

  it.each(['toString', 'constructor', 'hasOwnProperty', 'valueOf'])(
    'refuses a top-level %s key, which class-transformer would drop unseen',
    async (key) => {
      const response = await post(`{"a":1,"${key}":2}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ detail: `${key}: property ${key} should not exist` });
    },
  );

  it('refuses __proto__ anywhere', async () => {
    expect((await post('{"a":{"__proto__":{"x":1}}}')).json()).toMatchObject({
      code: 'MALFORMED_JSON',
    });
  });
});
