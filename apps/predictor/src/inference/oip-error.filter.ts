import { Catch, HttpException, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemException } from '@ml-system/server-core';
import { MODEL_ERROR_STATUS, ModelServingError } from '../model/model-errors';
import { OnnxRunError } from '../model/onnx/worker-session';

/** The status and message the Open Inference Protocol's `{"error"}` body carries for `exception`. */
export function oipErrorOf(exception: unknown): { status: number; error: string } {
  if (ModelServingError.is(exception)) {
    return { status: MODEL_ERROR_STATUS[exception.code], error: exception.message };
  }
  // The graph refused tensors that fit its declared inputs: still the caller's tensors.
  if (exception instanceof OnnxRunError) return { status: 400, error: exception.message };
  if (exception instanceof ProblemException) {
    const errors = exception.errors?.length ? `: ${exception.errors.join('; ')}` : '';
    return { status: exception.getStatus(), error: `${exception.detail}${errors}` };
  }
  if (exception instanceof HttpException) {
    return { status: exception.getStatus(), error: exception.message };
  }
  new Logger('Inference').error(
    exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
  );
  return { status: 500, error: 'the predictor failed to handle the request' };
}

/**
 * Errors of the Open Inference Protocol routes as the protocol has them:
 * `{"error": "..."}` with 400, 404 or 503 (not the problem+json of the
 * other routes). A bug is still a logged 500 with no detail.
 */
@Catch()
export class OipErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, error } = oipErrorOf(exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(status).header('content-type', 'application/json').send({ error });
  }
}
