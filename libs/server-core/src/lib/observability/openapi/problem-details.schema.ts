import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { HTTP_ERROR_CODES } from '@ml-system/contracts';
import type { HttpErrorCode, ProblemDetails } from '@ml-system/contracts';

/**
 * OpenAPI schema of every error body (RFC 9457). The type itself lives in
 * the contracts lib, which stays free of Nest and of swagger decorators (its
 * lint rules ban Nest runtime imports, and a DTO library should not carry a
 * documentation framework): the schema is declared here, against
 * `implements ProblemDetails`, so that a field added there fails to compile here.
 */
@ApiSchema({
  name: 'ProblemDetails',
  description: 'An RFC 9457 problem, served as application/problem+json',
})
export class ProblemDetailsSchema implements ProblemDetails {
  @ApiProperty({
    description: 'Identifies the kind of problem',
    example: '/problems/validation-failed',
  })
  type!: string;

  @ApiProperty({ description: 'Short summary of the status', example: 'Bad Request' })
  title!: string;

  @ApiProperty({ description: 'HTTP status code', example: 400 })
  status!: number;

  @ApiProperty({ description: 'What went wrong, for a person', example: 'The request is invalid' })
  detail!: string;

  @ApiProperty({
    description: 'Stable, machine-readable code',
    enum: HTTP_ERROR_CODES,
    example: 'VALIDATION_FAILED',
  })
  code!: HttpErrorCode;

  @ApiProperty({
    description:
      'The request id (also the x-request-id header): finds the log lines of this request on both services',
    example: '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f',
  })
  request_id!: string;

  @ApiPropertyOptional({
    description: 'For validation failures: one line per offending field',
    type: [String],
    example: ['data: data must be a string'],
  })
  errors?: string[];
}
