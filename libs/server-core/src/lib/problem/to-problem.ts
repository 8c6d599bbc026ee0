import { HttpException, HttpStatus } from '@nestjs/common';
import { fastify } from 'fastify';
import { problemType } from '@ml-system/contracts';
import type { HttpErrorCode, ProblemDetails } from '@ml-system/contracts';
import { ProblemException } from './problem.exception';

export interface MappedProblem {
  body: ProblemDetails;
  headers: Readonly<Record<string, string>>;
  /** True when the server, not the client, is at fault: worth a log line with the cause. */
  unexpected: boolean;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const CODE_BY_STATUS: Readonly<Record<number, HttpErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'PREDICTOR_UNAVAILABLE',
};

/** Fastify's own parse-stage errors, which reach the filter as plain errors. */
const FASTIFY_CLIENT_ERRORS: Readonly<Record<string, [number, HttpErrorCode, string]>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'Send the body as application/json',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than allowed'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'MALFORMED_JSON',
    'The body does not match its Content-Length',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_JSON', 'The JSON body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_JSON', 'The body is not valid JSON'],
};

/**
 * The same errors by their message. Nest re-throws a Fastify error that has a
 * status as `new HttpException(err.message, err.statusCode)`
 * (RoutesResolver#mapExternalException), which drops the `FST_*` code; the
 * messages are fixed strings of Fastify, taken from its own error classes.
 */
const FASTIFY_CLIENT_ERRORS_BY_MESSAGE: ReadonlyMap<string, [number, HttpErrorCode, string]> =
  new Map(
    Object.entries(FASTIFY_CLIENT_ERRORS).flatMap(([code, mapped]) => {
      const FastifyErrorClass = (
        fastify.errorCodes as Record<string, (new () => Error) | undefined>
      )[code];
      return FastifyErrorClass ? [[new FastifyErrorClass().message, mapped] as const] : [];
    }),
  );

function build(
  status: number,
  code: HttpErrorCode,
  detail: string,
  requestId: string,
  errors?: string[],
): ProblemDetails {
  const body: ProblemDetails = {
    type: problemType(code),
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    code,
    request_id: requestId,
  };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

function fastifyCode(exception: unknown): string | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const code = (exception as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('FST_') ? code : undefined;
}

function messagesOf(response: string | object): string[] {
  if (typeof response === 'string') return [response];
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String);
  if (typeof message === 'string') return [message];
  return [];
}

/**
 * Turns anything thrown while serving a request into a problem+json body.
 * Never exposes a stack, an internal path or a library's raw message for a 5xx.
 */
export function toProblem(exception: unknown, requestId: string): MappedProblem {
  if (exception instanceof ProblemException) {
    return {
      body: build(
        exception.getStatus(),
        exception.code,
        exception.detail,
        requestId,
        exception.errors,
      ),
      headers: exception.headers,
      unexpected: false,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const messages = messagesOf(exception.getResponse());
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
    if (status >= 500) {
      return {
        body: build(status, code, 'The server failed to handle the request', requestId),
        headers: {},
        unexpected: status === 500,
      };
    }
    const wrapped =
      messages.length === 1 ? FASTIFY_CLIENT_ERRORS_BY_MESSAGE.get(messages[0] ?? '') : undefined;
    if (wrapped) {
      const [wrappedStatus, wrappedCode, wrappedDetail] = wrapped;
      return {
        body: build(wrappedStatus, wrappedCode, wrappedDetail, requestId),
        headers: {},
        unexpected: false,
      };
    }
    const detail = messages.length === 1 ? (messages[0] ?? '') : 'The request is invalid';
    return {
      body: build(status, code, detail, requestId, messages.length > 1 ? messages : undefined),
      headers: {},
      unexpected: false,
    };
  }
  const fst = fastifyCode(exception);
  const known = fst ? FASTIFY_CLIENT_ERRORS[fst] : undefined;
  if (known) {
    const [status, code, detail] = known;
    return { body: build(status, code, detail, requestId), headers: {}, unexpected: false };
  }
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Another framework-level client error: keep its status, not its wording.
    const code = CODE_BY_STATUS[statusCode] ?? 'VALIDATION_FAILED';
    const detail =
      statusCode === 415
        ? 'Send the body as application/json'
        : (TITLES[statusCode] ?? 'The request is invalid');
    return {
      body: build(statusCode, code, detail, requestId),
      headers: {},
      unexpected: false,
    };
  }
  return {
    body: build(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'INTERNAL',
      'The server failed to handle the request',
      requestId,
    ),
    headers: {},
    unexpected: true,
  };
}
