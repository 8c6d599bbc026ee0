import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ProblemException } from './problem.exception';
import { toProblem } from './to-problem';

describe(toProblem.name, () => {
  it('keeps a ProblemException as it is, with its headers', () => {
    const mapped = toProblem(
      new ProblemException(503, 'PREDICTOR_UNAVAILABLE', 'Predictor is unavailable: x', {
        'retry-after': '1',
      }),
      'r1',
    );
    expect(mapped).toEqual({
      body: {
        type: '/problems/predictor-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'Predictor is unavailable: x',
        code: 'PREDICTOR_UNAVAILABLE',
        request_id: 'r1',
      },
      headers: { 'retry-after': '1' },
      unexpected: false,
    });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'), 'r').body).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'Cannot GET /x',
    });
    expect(toProblem(new BadRequestException(['a', 'b']), 'r').body).toMatchObject({
      status: 400,
      errors: ['a', 'b'],
    });
  });

  it.each([
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'MALFORMED_JSON'],
  ])('maps the Fastify error %s to %i', (code, status, problemCode) => {
    const error = Object.assign(new Error('raw engine message'), { code, statusCode: status });
    const { body } = toProblem(error, 'r');
    expect(body).toMatchObject({ status, code: problemCode });
    expect(body.detail).not.toContain('raw engine message');
  });

  it('recognises a Fastify error that Nest re-threw as an HttpException', () => {
    const { body } = toProblem(
      new HttpException('Request body size did not match Content-Length', 400),
      'r',
    );
    expect(body).toMatchObject({
      status: 400,
      code: 'MALFORMED_JSON',
      detail: 'The body does not match its Content-Length',
    });
  });

  it('keeps the status of another framework client error without its wording', () => {
    const error = Object.assign(new Error('internal words'), { statusCode: 415 });
    expect(toProblem(error, 'r').body).toMatchObject({
      status: 415,
      detail: 'Send the body as application/json',
    });
  });

  it('turns anything else into a 500 with no detail from the error, flagged as unexpected', () => {
    const mapped = toProblem(new Error('/srv/app/secret.ts:12 exploded'), 'r');
    expect(mapped.unexpected).toBe(true);
    expect(mapped.body).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(JSON.stringify(mapped.body)).not.toContain('secret');
  });

  it('hides the message of a 5xx HttpException', () => {
    const mapped = toProblem(new HttpException('db password wrong', 500), 'r');
    expect(mapped.body.detail).toBe('The server failed to handle the request');
  });
});
