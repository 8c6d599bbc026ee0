import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

// The input log's shapes are unions (one of data / data_hash / data_length;
// four outcome kinds), which a class cannot `implement`: these list every
// field a variant may carry, each optional where the variant decides.

@ApiSchema({ name: 'InputLogOutcome', description: 'How the request ended' })
export class InputLogOutcomeSchema {
  @ApiProperty({ enum: ['logged', 'predicted', 'inferred', 'error'], example: 'predicted' })
  status!: 'logged' | 'predicted' | 'inferred' | 'error';

  @ApiProperty({ example: 12 })
  latency_ms!: number;

  @ApiProperty({ example: '2026-11-21T08:45:23.144Z' })
  recorded_at!: string;

  @ApiPropertyOptional({ description: 'status predicted', example: 'dog' })
  class?: string;

  @ApiPropertyOptional({ description: 'status predicted', example: 0.93 })
  confidence?: number;

  @ApiPropertyOptional({
    description:
      'status predicted or inferred: the model that answered (absent in records written before it was recorded)',
    example: 'animal-text-nb',
  })
  model?: string;

  @ApiPropertyOptional({
    description: 'status predicted or inferred: the version of the model that answered',
    example: '1.0.0',
  })
  model_version?: string;

  @ApiPropertyOptional({
    description: 'status error: the HTTP error code answered',
    example: 'PREDICTOR_UNAVAILABLE',
  })
  code?: string;
}

@ApiSchema({
  name: 'InputLogEntry',
  description: 'One request: its input as stored, and its outcome',
})
export class InputLogEntrySchema {
  @ApiProperty({ description: 'The request id', example: '6f1c2a4e-8d1b-4a57-9d61-0c2f3b4a5e6f' })
  id!: string;

  @ApiProperty({ example: '2026-11-21T08:45:23.142Z' })
  received_at!: string;

  @ApiProperty()
  forward_to_model!: boolean;

  @ApiProperty({
    enum: ['none', 'hash', 'length'],
    description: 'INPUT_LOG_REDACTION when it was stored',
  })
  redaction!: 'none' | 'hash' | 'length';

  @ApiPropertyOptional({
    description: 'redaction none: the text',
    example: 'wags its tail when I come home',
  })
  data?: string;

  @ApiPropertyOptional({ description: 'redaction hash: HMAC-SHA-256 of the text, hex' })
  data_hash?: string;

  @ApiPropertyOptional({ description: 'redaction length: length of the text' })
  data_length?: number;

  @ApiPropertyOptional({
    description:
      "The model the request named (`model`, or the infer route's `{name}`); absent when none",
    example: 'tiny-sentiment',
  })
  model?: string;

  @ApiPropertyOptional({
    description: 'The model version the request named; absent when none (the latest)',
    example: '2',
  })
  model_version?: string;

  @ApiPropertyOptional({
    enum: ['infer'],
    description:
      'infer: an Open Inference Protocol infer request, whose `data` is its JSON body; absent for POST /process',
  })
  kind?: 'infer';

  @ApiProperty({
    type: InputLogOutcomeSchema,
    nullable: true,
    description: 'null until the outcome is recorded',
  })
  outcome!: InputLogOutcomeSchema | null;
}

@ApiSchema({ name: 'InputLogPage', description: 'A page of the input log, newest first' })
export class InputLogPageSchema {
  @ApiProperty({ type: [InputLogEntrySchema] })
  items!: InputLogEntrySchema[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The `before` of the next page; null on the last',
  })
  next!: string | null;
}
