import { Catch, Logger } from '@nestjs/common';
import type { RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { throwError } from 'rxjs';
import { isPredictorError, predictorError } from '@ml-system/contracts';

/**
 * The predictor's only way to fail over TCP: a `{code, message}` from the
 * contracts' closed list. Deliberate errors pass through; anything else is a
 * bug, logged once here with its stack and sent as a bare `INTERNAL`.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(exception: unknown): Observable<never> {
    const error = exception instanceof RpcException ? exception.getError() : undefined;
    if (isPredictorError(error)) return throwError(() => error);
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return throwError(() => predictorError('INTERNAL', 'the predictor failed to handle the message'));
  }
}
