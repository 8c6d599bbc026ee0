import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { MAX_INPUT_CHARS } from '@ml-system/contracts';

/** Body of `POST /process`: the seed's `{data, forward_to_model}`, with strict types. */
export class ProcessRequestDto {
  /** The text to log and, when asked, classify. */
  // class-validator runs the bottom decorator first and reports only the first
  // failure per field: the type check goes last so that it is the one reported.
  @ApiProperty({
    description:
      'The text to log and, when asked, classify. Kept in the input log, never in stdout logs.',
    minLength: 1,
    maxLength: MAX_INPUT_CHARS,
    example: 'wags its tail when I come home',
  })
  @MaxLength(MAX_INPUT_CHARS)
  @MinLength(1)
  @IsString()
  data!: string;

  /** Send the text to the predictor (default) or only log it. */
  // Optional means absent, not null: `@IsOptional()` would also let `null`
  // through, which then reads as false and silently skips the model.
  @ApiPropertyOptional({
    description:
      'Send the text to the model (default) or only log it. A JSON boolean: "true" is refused.',
    default: true,
    example: true,
  })
  @IsBoolean()
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  forward_to_model: boolean = true;
}
