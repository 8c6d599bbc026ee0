import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery } from '@nestjs/swagger';
import { ApiProblemResponses, INTERNAL_PROBLEM } from '@ml-system/server-core';
import type { ProblemResponse } from '@ml-system/server-core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './logs-query.dto';
import { ApiGuarded, GUARDED_PROBLEMS } from '../security/security.docs';
import { InputLogEntrySchema, InputLogPageSchema } from './logs.schemas';

// The OpenAPI description of the input log's routes, beside their controller.

const LOG_UNAVAILABLE: ProblemResponse = {
  status: 503,
  description: 'The input log cannot be read (not writable, or still being recovered at start)',
  examples: { INPUT_LOG_UNAVAILABLE: 'The input log is unavailable: it is still being recovered' },
  retryAfter: true,
};

/** `GET /logs`. */
export function ApiListLogs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'The input log, newest first',
      description:
        'Every acknowledged input with its outcome, as stored (per INPUT_LOG_REDACTION). Page with `before` = the previous `next`.',
    }),
    ApiGuarded(),
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
    }),
    ApiQuery({
      name: 'before',
      required: false,
      description: 'The `next` cursor of the previous page',
      schema: { type: 'string' },
    }),
    ApiOkResponse({ type: InputLogPageSchema }),
    ApiProblemResponses(
      {
        status: 400,
        description: 'A bad `limit` or `before`',
        examples: { VALIDATION_FAILED: 'limit: limit must not be greater than 500' },
      },
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      LOG_UNAVAILABLE,
    ),
  );
}

/** `GET /logs/:id`. */
export function ApiGetLog(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: 'One logged input, by its request id, merged with its outcome' }),
    ApiGuarded(),
    ApiParam({ name: 'id', description: 'The request id (request_id / x-request-id)' }),
    ApiOkResponse({ type: InputLogEntrySchema }),
    ApiProblemResponses(
      {
        status: 404,
        description: 'No input with this id, or it is past retention',
        examples: { NOT_FOUND: 'No input was logged with this id, or it is past retention' },
      },
      ...GUARDED_PROBLEMS,
      INTERNAL_PROBLEM,
      LOG_UNAVAILABLE,
    ),
  );
}
