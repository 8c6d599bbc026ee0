import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ProblemException } from '@ml-system/server-core';
import { ApiGetLog, ApiListLogs } from './logs.docs';
import { isInputLogUnavailable } from './input-log.errors';
import { InputLogQueryService } from './input-log-query.service';
import type { InputLogEntry, InputLogPage } from './input-log.types';
import { ListLogsQueryDto } from './logs-query.dto';

/** The only way to the input log's records: nothing of them goes to stdout. */
@ApiTags('input log')
@Controller('logs')
export class LogsController {
  constructor(private readonly inputLog: InputLogQueryService) {}

  /**
   * Inputs newest first, with their outcomes.
   * @throws ProblemException 400 for a bad `limit` or `before` (by validation), 503 when the log is unavailable.
   */
  @Get()
  @ApiListLogs()
  async list(@Query() query: ListLogsQueryDto): Promise<InputLogPage> {
    try {
      return await this.inputLog.list({ limit: query.limit, before: query.before });
    } catch (error) {
      throw toProblem(error);
    }
  }

  /**
   * One input, merged with its outcome.
   * @throws ProblemException 404 when no input has this id within retention, 503 when the log is unavailable.
   */
  @Get(':id')
  @ApiGetLog()
  async get(@Param('id') id: string): Promise<InputLogEntry> {
    let entry: InputLogEntry | null;
    try {
      entry = await this.inputLog.find(id);
    } catch (error) {
      throw toProblem(error);
    }
    // The id is not echoed: it is whatever the client put in the path.
    if (!entry)
      throw new ProblemException(
        404,
        'NOT_FOUND',
        'No input was logged with this id, or it is past retention',
      );
    return entry;
  }
}

function toProblem(error: unknown): ProblemException {
  // A valid cursor of the other source (the local log's, with a database configured, or the reverse).
  if (error instanceof RangeError)
    return new ProblemException(
      400,
      'VALIDATION_FAILED',
      'before must be a cursor returned as "next"',
    );
  const reason = isInputLogUnavailable(error) ? error.reason : 'it could not be read';
  return new ProblemException(
    503,
    'INPUT_LOG_UNAVAILABLE',
    `The input log is unavailable: ${reason}`,
    {
      'retry-after': '5',
    },
  );
}
