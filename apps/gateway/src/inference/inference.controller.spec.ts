import { modelChoiceOf } from './inference.controller';

describe(modelChoiceOf.name, () => {
  it('takes a model name, and a version with it', () => {
    expect(modelChoiceOf('tiny-sentiment')).toEqual({ model: 'tiny-sentiment' });
    expect(modelChoiceOf('tiny-sentiment', '12')).toEqual({
      model: 'tiny-sentiment',
      version: '12',
    });
  });

  it.each([
    ['..', undefined, ['name']],
    ['-x', undefined, ['name']],
    ['x'.repeat(129), undefined, ['name']],
    ['m', '0', ['version']],
    ['m', '01', ['version']],
    ['m', 'latest', ['version']],
    ['m m', '1.0', ['name', 'version']],
  ])('refuses name %j version %j with a 400 naming %j', (name, version, fields) => {
    let caught: unknown;
    try {
      modelChoiceOf(name, version);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const errors = (caught as { errors: string[] }).errors;
    expect(errors.map((line) => line.split(' ')[0])).toEqual(fields);
  });
});
