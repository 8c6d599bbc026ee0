import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InferMessageDto, NamedModelMessageDto } from './inference.dto';
import { PREDICTOR_PATTERNS } from './patterns';

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

describe(InferMessageDto.name, () => {
  const request = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['hi'] }] };

  it('accepts a model, an optional version and the OIP body as it is', () => {
    expect(errorsOf(InferMessageDto, { payload: { model: 'm', request }, meta })).toEqual([]);
    expect(
      errorsOf(InferMessageDto, { payload: { model: 'm', version: '3', request }, meta }),
    ).toEqual([]);
    const checked = plainToInstance(InferMessageDto, { payload: { model: 'm', request }, meta });
    expect(checked.payload.request).toEqual(request);
  });

  it('refuses a missing or bad model, a bad version, a body that is not an object', () => {
    expect(errorsOf(InferMessageDto, { payload: { request }, meta })[0]).toMatch(/^payload\.model/);
    expect(errorsOf(InferMessageDto, { payload: { model: '../x', request }, meta })).toEqual([
      'payload.model: matches',
    ]);
    expect(
      errorsOf(InferMessageDto, { payload: { model: 'm', version: '0', request }, meta }),
    ).toEqual(['payload.version: matches']);
    expect(errorsOf(InferMessageDto, { payload: { model: 'm', request: [] }, meta })).toEqual([
      'payload.request: isObject',
    ]);
    expect(errorsOf(InferMessageDto, { payload: { model: 'm', request, extra: 1 }, meta })).toEqual(
      ['payload.extra: whitelistValidation'],
    );
  });
});

describe(NamedModelMessageDto.name, () => {
  it('takes a model and an optional version, nothing else', () => {
    expect(errorsOf(NamedModelMessageDto, { payload: { model: 'm' }, meta })).toEqual([]);
    expect(errorsOf(NamedModelMessageDto, { payload: {}, meta })[0]).toMatch(/^payload\.model/);
    expect(errorsOf(NamedModelMessageDto, { payload: { model: 'm', version: 'x' }, meta })).toEqual(
      ['payload.version: matches'],
    );
  });
});

describe('PREDICTOR_PATTERNS', () => {
  it('versions every pattern, the OIP ones included, and keeps them distinct', () => {
    const patterns = Object.values(PREDICTOR_PATTERNS);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const pattern of patterns) expect(pattern).toMatch(/^predictor\.[a-z-]+\.v\d+$/);
    expect(PREDICTOR_PATTERNS).toMatchObject({
      infer: 'predictor.infer.v1',
      modelMetadata: 'predictor.model-metadata.v1',
      modelReady: 'predictor.model-ready.v1',
    });
  });
});
