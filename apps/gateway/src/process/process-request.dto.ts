import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import { MAX_INPUT_CHARS, MODEL_NAME_PATTERN, MODEL_VERSION_PATTERN } from '@ml-system/contracts';

/** `model_version` names a version of the model named beside it: alone it means nothing. */
function HasModel(): PropertyDecorator {
  return ValidateBy({
    name: 'hasModel',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        (args?.object as { model?: unknown } | undefined)?.model !== undefined,
      defaultMessage: () => 'model_version is allowed only together with model',
    },
  });
}

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

  /** The model to classify with; absent: the predictor's default model. */
  @ApiPropertyOptional({
    description:
      "A model of the predictor's repository (docs/model-serving.md); absent: its default model. " +
      'Ignored when `forward_to_model` is false, but still recorded.',
    pattern: MODEL_NAME_PATTERN.source,
    example: 'tiny-sentiment',
  })
  @Matches(MODEL_NAME_PATTERN, {
    message: 'model must be a model name (letters, digits, ".", "_", "-"; at most 128)',
  })
  @IsString()
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  model?: string;

  /** A version folder of `model`; absent: its latest ready version. */
  @ApiPropertyOptional({
    description:
      'A version of `model` (its version folder, a positive integer as a string); only with `model`. ' +
      'Absent: the latest ready version.',
    pattern: MODEL_VERSION_PATTERN.source,
    example: '2',
  })
  @HasModel()
  @Matches(MODEL_VERSION_PATTERN, {
    message: 'model_version must be a positive integer, as a string (e.g. "2")',
  })
  @IsString()
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  model_version?: string;
}
