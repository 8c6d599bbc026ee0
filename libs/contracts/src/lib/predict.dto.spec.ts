import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { MAX_BATCH_SIZE, MAX_INPUT_CHARS } from './limits';
import { PredictBatchMessageDto, PredictMessageDto } from './predict.dto';

const meta = { request_id: 'r-1', deadline: Date.now() + 1000 };

function errorsOf<T extends object>(cls: new () => T, plain: unknown): string[] {
  const errors = validateSync(plainToInstance(cls, plain) as object, {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  const flat: string[] = [];
  const walk = (list: typeof errors, prefix: string): void => {
    for (const e of list) {
      const path = prefix ? `${prefix}.${e.property}` : e.property;
      if (e.constraints) flat.push(`${path}: ${Object.keys(e.constraints).join(',')}`);
      walk(e.children ?? [], path);
    }
  };
  walk(errors, '');
  return flat;
}

describe(PredictMessageDto.name, () => {
  it('accepts a well-formed message', () => {
    expect(errorsOf(PredictMessageDto, { payload: { input: 'hello' }, meta })).toEqual([]);
  });

  it('rejects a missing meta, an empty input and a non-string input', () => {
    expect(errorsOf(PredictMessageDto, { payload: { input: 'x' } })).toEqual(['meta: isObject']);
    expect(errorsOf(PredictMessageDto, { payload: { input: '' }, meta })).toEqual([
      'payload.input: minLength',
    ]);
    expect(errorsOf(PredictMessageDto, { payload: { input: 5 }, meta })[0]).toMatch(
      /^payload\.input: .*isString/,
    );
  });

  it('rejects an input longer than the limit', () => {
    const input = 'a'.repeat(MAX_INPUT_CHARS + 1);
    expect(errorsOf(PredictMessageDto, { payload: { input }, meta })).toEqual([
      'payload.input: maxLength',
    ]);
  });

  it('rejects a malformed traceparent', () => {
    expect(
      errorsOf(PredictMessageDto, {
        payload: { input: 'x' },
        meta: { ...meta, traceparent: 'nope' },
      }),
    ).toEqual(['meta.traceparent: matches']);
  });
});

describe(PredictBatchMessageDto.name, () => {
  it('bounds the batch size', () => {
    const inputs = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'x');
    expect(errorsOf(PredictBatchMessageDto, { payload: { inputs }, meta })).toEqual([
      'payload.inputs: arrayMaxSize',
    ]);
    expect(errorsOf(PredictBatchMessageDto, { payload: { inputs: [] }, meta })).toEqual([
      'payload.inputs: arrayMinSize',
    ]);
  });
});
