import type { ValidationError } from 'class-validator';
import { flattenValidationErrors } from './validation.pipe';

describe(flattenValidationErrors.name, () => {
  it('prefixes nested fields with their path', () => {
    const errors: ValidationError[] = [
      {
        property: 'payload',
        children: [
          { property: 'input', constraints: { isString: 'input must be a string' }, children: [] },
        ],
      },
      { property: 'meta', constraints: { isObject: 'meta must be an object' }, children: [] },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      'payload.input: input must be a string',
      'meta: meta must be an object',
    ]);
  });
});
