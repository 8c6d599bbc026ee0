import fc from 'fast-check';
import { httpValidationPipe } from '@ml-system/server-core';
import { ProcessBodyPipe, plainlyValidProcessBody } from './process-body.pipe';
import { ProcessRequestDto } from './process-request.dto';

const metadata = { type: 'body' as const, metatype: ProcessRequestDto, data: '' };

/** What the reflective class-validator pipe makes of `value`: the DTO, or null for a 400. */
async function fullPipe(value: unknown): Promise<ProcessRequestDto | null> {
  try {
    return (await httpValidationPipe().transform(value, metadata)) as ProcessRequestDto;
  } catch {
    return null;
  }
}

describe(plainlyValidProcessBody.name, () => {
  it('takes the plain bodies and fills the default', () => {
    expect(plainlyValidProcessBody({ data: 'x' })).toEqual(
      Object.assign(new ProcessRequestDto(), { data: 'x' }),
    );
    expect(plainlyValidProcessBody({ data: 'x', forward_to_model: false })?.forward_to_model).toBe(
      false,
    );
  });

  it.each([
    [{ data: '' }],
    [{ data: 'x', extra: 1 }],
    [{ data: 'x', forward_to_model: 'true' }],
    [{ data: 'x', forward_to_model: null }],
    [{ data: 'x', model_version: '1' }],
    [{ data: 'x', model: 'm', model_version: 1 }],
    [{ data: 'x', model: 'm', model_version: '0' }],
    [{ data: 'x', model: '../etc' }],
    [{ data: 'x', model: null }],
    [{ data: 5 }],
    [{ data: '😀'.repeat(5_001) }],
    [[]],
    [null],
  ])('leaves %j to the full validation', (value) => {
    expect(plainlyValidProcessBody(value)).toBeNull();
  });

  it('accepts nothing that class-validator refuses, and builds the same DTO', async () => {
    const key = fc.constantFrom(
      'data',
      'forward_to_model',
      'model',
      'model_version',
      'extra',
      'constructor',
      '',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ minLength: 9_995, maxLength: 10_005 }),
      fc.boolean(),
      fc.constant(null),
      fc.integer(),
    );
    // Bodies come from JSON.parse, which never yields `undefined` values.
    // Mostly well-formed, so that the fast path is taken often and checked.
    const nearValid = fc.record(
      {
        data: fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.string({ minLength: 9_995, maxLength: 10_005 }),
        ),
        forward_to_model: fc.oneof(fc.boolean(), fc.constant('true'), fc.constant(null)),
      },
      { requiredKeys: ['data'] },
    );
    // Model-naming bodies: a valid model most of the time, a version only sometimes valid.
    const nearValidModel = fc.record(
      {
        data: fc.string({ minLength: 1, maxLength: 20 }),
        model: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('tiny-sentiment', 'a', 'm.v-1_2') },
          { weight: 1, arbitrary: fc.constantFrom('-a', '', 'a/b', 'x'.repeat(129)) },
          { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer()) },
        ),
        model_version: fc.oneof(
          fc.constantFrom('1', '12', '0', '01', 'v1', '1234567890'),
          fc.constant(null),
          fc.integer(),
        ),
      },
      { requiredKeys: ['data'] },
    );
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.dictionary(key, value), nearValid, nearValidModel),
        async (body) => {
          const fast = plainlyValidProcessBody(body);
          if (fast === null) return;
          taken += 1;
          expect(await fullPipe(body)).toEqual(fast);
        },
      ),
      { numRuns: 400 },
    );
    // The property must not hold vacuously.
    expect(taken).toBeGreaterThan(20);
  });
});

describe(ProcessBodyPipe.name, () => {
  it('words a refusal exactly as the full validation does', async () => {
    const pipe = new ProcessBodyPipe();
    await expect(
      pipe.transform({ data: 'x', forward_to_model: 'true' }, metadata),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: ['forward_to_model: forward_to_model must be a boolean value'],
    });
  });

  it.each([
    [{ data: 'x', model_version: '1' }, 'model_version'],
    [{ data: 'x', model: 'm', model_version: 1 }, 'model_version'],
    [{ data: 'x', model: 'm', model_version: '0' }, 'model_version'],
    [{ data: 'x', model: '../etc' }, 'model'],
    [{ data: 'x', model: null }, 'model'],
    [{ data: 'x', model: 7 }, 'model'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const refused = new ProcessBodyPipe().transform(body, metadata);
    await expect(refused).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const errors = await refused.catch((error: { errors: string[] }) => error.errors);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^${field}: `))]);
  });

  it('takes a model, and a version with it', async () => {
    await expect(
      new ProcessBodyPipe().transform(
        { data: 'x', model: 'tiny-sentiment', model_version: '2' },
        metadata,
      ),
    ).resolves.toMatchObject({ data: 'x', model: 'tiny-sentiment', model_version: '2' });
  });
});
