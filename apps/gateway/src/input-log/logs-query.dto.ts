import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy, buildMessage } from 'class-validator';
import { decodeDatabaseCursor } from './database/input-log.database';
import { decodeCursor } from './storage/id-index';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Query of `GET /logs`. */
export class ListLogsQueryDto {
  /** Items per page, 1..500. */
  // Query values arrive as strings; only plain digits become a number, so
  // `1e2`, ` 5` or `0x10` fail the integer check instead of being coerced.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  )
  @Max(MAX_PAGE_SIZE)
  @Min(1)
  @IsInt()
  @IsOptional()
  limit: number = DEFAULT_PAGE_SIZE;

  /** The `next` cursor of the previous page. */
  @ValidateBy({
    name: 'isLogCursor',
    validator: {
      // A cursor of the local log or of the database, whichever answered the previous page.
      validate: (value: unknown) =>
        typeof value === 'string' &&
        (decodeCursor(value) !== null || decodeDatabaseCursor(value) !== null),
      defaultMessage: buildMessage(
        (prefix) => `${prefix}$property must be a cursor returned as "next"`,
      ),
    },
  })
  @IsOptional()
  before?: string;
}
