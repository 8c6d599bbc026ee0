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
    [{ data: 5 }],
    [{ data: '😀'.repeat(5_001) }],
    [[]],
    [null],
  ])('leaves %j to the full validation', (value) => {
    expect(plainlyValidProcessBody(value)).toBeNull();
  });

  it('accepts nothing that class-validator refuses, and builds the same DTO', async () => {
    const key = fc.constantFrom('data', 'forward_to_model', 'extra', 'constructor', '');
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
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.dictionary(key, value), nearValid), async (body) => {
        const fast = plainlyValidProcessBody(body);
        if (fast === null) return;
        taken += 1;
        expect(await fullPipe(body)).toEqual(fast);
      }),
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
});
