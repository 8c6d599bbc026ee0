import { Catch } from '@nestjs/common';
import type { RpcExceptionFilter } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { throwError } from 'rxjs';
import { INTERNAL_ERROR, predictorErrorOf, reportBug } from './rpc-errors';

/**
 * The predictor's only way to fail over TCP: a `{code, message}` from the
 * contracts' closed list. Deliberate errors pass through; anything else is a
 * bug, logged once here with its stack and sent as a bare `INTERNAL`.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    const error = predictorErrorOf(exception);
    if (error) return throwError(() => error);
    reportBug(exception);
    return throwError(() => INTERNAL_ERROR);
  }
}
