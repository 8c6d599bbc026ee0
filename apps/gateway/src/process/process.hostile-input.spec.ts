import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PredictionResult } from '@ml-system/contracts';
import { PredictorClient } from '../predictor-client/predictor-client';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { leaksIn, problemViolations } from '../testing/problem-assertions';
import { strictMock } from '../testing/strict-mock';
import { CAT } from '../testing/fixtures';

const JSON_TYPE = 'application/json';
const deep = (levels: number, open = '[', close = ']'): string =>
  `${open.repeat(levels)}${close.repeat(levels)}`;
const deepObject = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

interface Case {
  name: string;
  body: string | Buffer;
  contentType?: string;
  status: number;
  code?: string;
  /** For a refusal, what `detail` (or one of `errors`) must say. */
  says?: RegExp;
}

/**
 * Hostile and odd bodies for POST /process, each with the status it must get.
 * Whatever the row, the answer is never a 5xx, and an error is always a clean
 * problem+json without a stack or a path.
 */
const CASES: Case[] = [
  // Malformed JSON
  { name: 'a truncated object', body: '{"data": ', status: 400, code: 'MALFORMED_JSON' },
  { name: 'unquoted keys', body: '{data: "x"}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'single quotes', body: "{'data': 'x'}", status: 400, code: 'MALFORMED_JSON' },
  { name: 'a trailing comma', body: '{"data": "x",}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'two documents', body: '{"data":"x"}{"data":"y"}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'a comment', body: '{"data":"x" /* hi */}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'NaN', body: '{"data":"x","forward_to_model":NaN}', status: 400, code: 'MALFORMED_JSON' },
  {
    name: 'a raw NUL byte inside a string',
    body: '{"data":"a\u0000b"}',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'a raw newline inside a string',
    body: '{"data":"a\nb"}',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  { name: 'only whitespace', body: '   \n ', status: 400 },
  {
    name: 'an unterminated string with 4 KB of brackets',
    body: `{"data":"${'['.repeat(4000)}`,
    status: 400,
  },
  // Not an object
  { name: 'null', body: 'null', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a number', body: '42', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a string', body: '"data"', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'true', body: 'true', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an empty array', body: '[]', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an array of bodies', body: '[{"data":"x"}]', status: 400, code: 'VALIDATION_FAILED' },
  // Wrong types
  { name: 'data as a number', body: '{"data":5}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'data as null', body: '{"data":null}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'data as an array', body: '{"data":["x"]}', status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'data as an object',
    body: '{"data":{"toString":"x"}}',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'data as a boolean', body: '{"data":true}', status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'forward_to_model as "true"',
    body: '{"data":"x","forward_to_model":"true"}',
    status: 400,
  },
  { name: 'forward_to_model as 1', body: '{"data":"x","forward_to_model":1}', status: 400 },
  { name: 'forward_to_model as null', body: '{"data":"x","forward_to_model":null}', status: 400 },
  {
    name: 'forward_to_model as an object',
    body: '{"data":"x","forward_to_model":{}}',
    status: 400,
  },
  // Missing and extra fields
  { name: 'an empty object', body: '{}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'no data', body: '{"forward_to_model":false}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'empty data', body: '{"data":""}', status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'an extra field',
    body: '{"data":"x","admin":true}',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a differently cased field',
    body: '{"Data":"x"}',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  // Sizes and depth
  {
    name: 'data of 10,001 characters',
    body: JSON.stringify({ data: 'a'.repeat(10_001) }),
    status: 400,
  },
  // class-validator's MaxLength counts code points, so this is 10,000 "characters" (and 40 KB of UTF-8).
  {
    name: 'data of 10,001 emoji',
    body: JSON.stringify({ data: '😀'.repeat(10_001) }),
    status: 400,
  },
  {
    name: 'a 70 KB body',
    body: JSON.stringify({ data: 'a'.repeat(70_000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  { name: 'a 1 MB body', body: 'x'.repeat(1024 * 1024), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'arrays 2,000 deep (4 KB)', body: deep(2_000), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'arrays 2,000 deep in an extra field',
    body: `{"data":"x","a":${deep(2_000)}}`,
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'objects 1,000 deep', body: deepObject(1_000), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'arrays 33 deep',
    body: `{"data":"x","a":${deep(32)}}`,
    status: 400,
    says: /deeper than 32 levels/,
  },
  {
    name: 'unbalanced closers',
    body: `{"data":"x"}${']'.repeat(5_000)}`,
    status: 400,
    code: 'MALFORMED_JSON',
  },
  // Content types and charsets
  {
    name: 'text/plain',
    body: '{"data":"x"}',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'a form', body: 'data=x', contentType: 'application/x-www-form-urlencoded', status: 415 },
  {
    name: 'multipart',
    body: '--b\r\n\r\nx\r\n--b--',
    contentType: 'multipart/form-data; boundary=b',
    status: 415,
  },
  { name: 'text/json', body: '{"data":"x"}', contentType: 'text/json', status: 415 },
  {
    name: 'application/jsonp',
    body: '{"data":"x"}',
    contentType: 'application/jsonp',
    status: 415,
  },
  { name: 'an empty content type', body: '{"data":"x"}', contentType: '', status: 415 },
  { name: 'a garbage content type', body: '{"data":"x"}', contentType: '*/*;;;=', status: 415 },
  {
    name: 'charset=utf-16',
    body: '{"data":"x"}',
    contentType: 'application/json; charset=utf-16',
    status: 415,
  },
  {
    name: 'charset=latin1',
    body: '{"data":"x"}',
    contentType: 'application/json;charset=iso-8859-1',
    status: 415,
  },
  {
    name: 'a UTF-16 body',
    body: Buffer.from('{"data":"x","forward_to_model":false}', 'utf16le'),
    status: 400,
    code: 'MALFORMED_JSON',
  },
  // Prototype pollution
  {
    name: '__proto__',
    body: '{"data":"x","__proto__":{"polluted":true}}',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'an escaped __proto__',
    body: '{"data":"x","\\u005f_proto__":{"polluted":true}}',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'a nested __proto__',
    body: '{"data":"x","a":[{"__proto__":{"polluted":true}}]}',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'constructor.prototype',
    body: '{"data":"x","constructor":{"prototype":{"polluted":true}}}',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'a bare constructor key',
    body: '{"data":"x","constructor":{}}',
    status: 400,
    says: /property constructor should not exist/,
  },
  {
    name: 'a toString key',
    body: '{"data":"x","toString":"y"}',
    status: 400,
    says: /property toString should not exist/,
  },
  {
    name: 'a hasOwnProperty key',
    body: '{"data":"x","hasOwnProperty":1}',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  // Duplicated keys: JSON.parse keeps the last one, which is what is validated
  {
    name: 'data twice, last a number',
    body: '{"data":"x","data":5}',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'forward_to_model twice, last a string',
    body: '{"data":"x","forward_to_model":false,"forward_to_model":"no"}',
    status: 400,
  },
  {
    name: 'data twice, last valid',
    body: '{"data":5,"data":"x","forward_to_model":false}',
    status: 200,
  },
  // Text that is odd but valid: accepted as it is
  {
    name: 'an escaped NUL in data',
    body: '{"data":"a\\u0000b","forward_to_model":false}',
    status: 200,
  },
  {
    name: 'only NULs in data',
    body: JSON.stringify({ data: '\u0000'.repeat(100), forward_to_model: false }),
    status: 200,
  },
  {
    name: 'emoji and ZWJ sequences',
    body: JSON.stringify({ data: '🐱‍👤 🐕‍🦺 👩🏽‍🔬', forward_to_model: false }),
    status: 200,
  },
  {
    name: 'right-to-left text and overrides',
    body: JSON.stringify({ data: 'قطة \u202Egnp.exe כלב', forward_to_model: false }),
    status: 200,
  },
  {
    name: 'stacked combining marks',
    body: JSON.stringify({
      data: `c${'\u0301\u0316\u0337'.repeat(500)}at`,
      forward_to_model: false,
    }),
    status: 200,
  },
  { name: 'a lone surrogate', body: '{"data":"\\ud800x","forward_to_model":false}', status: 200 },
  {
    name: 'bytes that are not UTF-8',
    body: Buffer.concat([
      Buffer.from('{"data":"a'),
      Buffer.from([0xff, 0xfe, 0xc0]),
      Buffer.from('b","forward_to_model":false}'),
    ]),
    status: 400,
    says: /not valid UTF-8/,
  },
  {
    name: 'data of exactly 10,000 characters',
    body: JSON.stringify({ data: 'a'.repeat(10_000), forward_to_model: false }),
    status: 200,
  },
  {
    name: 'arrays 32 deep, refused for the field only',
    body: `{"data":"x","a":${deep(31)}}`,
    status: 400,
    says: /property a should not exist/,
  },
  // RFC 8259 §8.1 lets a parser ignore a BOM; secure-json-parse does.
  {
    name: 'a byte-order mark before the body',
    body: `\uFEFF{"data":"x","forward_to_model":false}`,
    status: 200,
  },
  {
    name: 'uppercase content type',
    body: '{"data":"x","forward_to_model":false}',
    contentType: 'APPLICATION/JSON',
    status: 200,
  },
  {
    name: 'a quoted UTF-8 charset',
    body: '{"data":"x","forward_to_model":false}',
    contentType: 'application/json; charset="UTF-8"',
    status: 200,
  },
  {
    name: 'a +json type',
    body: '{"data":"x","forward_to_model":false}',
    contentType: 'application/vnd.api+json',
    status: 200,
  },
];

describe('POST /process with hostile input (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  const predict = jest.fn<Promise<PredictionResult>, [string, unknown]>();

  beforeAll(async () => {
    app = await gatewayTestApp(strictMock(PredictorClient, { predict }));
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    predict.mockReset();
    predict.mockResolvedValue(CAT);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'answers %s with the expected status',
    async (_name, c) => {
      const response = await app.inject({
        method: 'POST',
        url: '/process',
        headers: { 'content-type': c.contentType ?? JSON_TYPE },
        payload: c.body,
      });
      expect(response.statusCode).toBe(c.status);
      if (c.status >= 400) {
        expect(problemViolations(response)).toEqual([]);
        if (c.code) expect(response.json()).toMatchObject({ code: c.code });
        if (c.says) expect(response.body).toMatch(c.says);
      } else {
        expect(response.json()).toMatchObject({ status: 'Input logged successfully' });
        expect(leaksIn(response.body)).toEqual([]);
      }
      expect(predict).not.toHaveBeenCalled();
      // Whatever the body said, nothing was written onto Object.prototype.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('forwards odd but valid unicode to the model unchanged', async () => {
    const data = 'a\u0000b 😀 \u202E קט c\u0301';
    const response = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': JSON_TYPE },
      payload: JSON.stringify({ data }),
    });
    expect(response.statusCode).toBe(200);
    // No model named: the predictor's default model (no choice passed).
    expect(predict).toHaveBeenCalledWith(data, expect.anything(), undefined);
  });

  it('refuses a body without a content type with 415', async () => {
    const response = await app.inject({ method: 'POST', url: '/process', payload: '{"data":"x"}' });
    expect(response.statusCode).toBe(415);
    expect(problemViolations(response)).toEqual([]);
  });

  it('answers an empty body with a 400 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': JSON_TYPE, 'content-length': '0' },
    });
    expect(response.statusCode).toBe(400);
    expect(problemViolations(response)).toEqual([]);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'] as const)(
    'answers %s /process with a 404 problem',
    async (method) => {
      const response = await app.inject({ method, url: '/process' });
      expect(response.statusCode).toBe(404);
      expect(problemViolations(response)).toEqual([]);
    },
  );

  it.each([
    '/process?__proto__[polluted]=1',
    '/process?constructor[prototype][polluted]=1',
    `/process?${'a=1&'.repeat(2_000)}`,
    '/process/../process',
    '/%2e%2e/process',
  ])('never fails on the URL %s', async (url) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': JSON_TYPE },
      payload: '{"data":"x","forward_to_model":false}',
    });
    expect(response.statusCode).toBeLessThan(500);
    if (response.statusCode >= 400) expect(problemViolations(response)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
