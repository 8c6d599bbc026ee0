import { Injectable, Logger } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs';

/**
 * One line per request through Nest's default logger, as the docs' logging
 * interceptor example does: HTTP method and path with the time taken, or the
 * message pattern for a microservice handler.
 */
@Injectable()
export class RequestLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Request');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = Date.now();
    const what =
      context.getType() === 'http'
        ? (() => {
            const request = context.switchToHttp().getRequest<{ method: string; url: string }>();
            return `${request.method} ${request.url}`;
          })()
        : `rpc ${String(context.switchToRpc().getContext<{ getPattern(): string }>().getPattern())}`;
    return next.handle().pipe(tap(() => this.logger.log(`${what} ${Date.now() - started}ms`)));
  }
}
