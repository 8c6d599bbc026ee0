import { Catch, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@ml-system/contracts';
import { toProblem } from './to-problem';

/** The one place an HTTP error becomes a response: RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.answer(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /**
   * The same answer for a route Fastify serves without Nest's router (the
   * gateway's `POST /process`), which has no `ArgumentsHost` to hand over.
   */
  answer(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { body, headers, unexpected } = toProblem(exception, String(request.id));
    if (unexpected) {
      this.logger.error(
        {
          request_id: body.request_id,
          err: exception instanceof Error ? exception.stack : exception,
        },
        'unhandled error while serving a request',
      );
    }
    if (reply.sent) return;
    void reply.status(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
  }
}
