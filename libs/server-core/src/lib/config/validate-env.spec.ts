import { IsInt, Max, Min } from 'class-validator';
import { ConfigValidationError, envValidator } from './validate-env';

class Env {
  @IsInt()
  @Min(1)
  @Max(10)
  SIZE: number = 5;
}

describe(envValidator.name, () => {
  const validate = envValidator(Env);

  it('converts strings and keeps defaults', () => {
    expect(validate({ SIZE: '7' }).SIZE).toBe(7);
    expect(validate({}).SIZE).toBe(5);
    expect(validate({ SIZE: '' }).SIZE).toBe(5);
  });

  it('ignores variables it does not know', () => {
    expect(() => validate({ PATH: '/bin', SIZE: '2' })).not.toThrow();
  });

  it('never prints the value of a secret variable', () => {
    const withSecret = envValidator(Env, { secret: ['SIZE'] });
    expect(() => withSecret({ SIZE: '99' })).toThrow(
      'SIZE=(redacted): SIZE must not be greater than 10',
    );
    expect(() => withSecret({ SIZE: '99' })).not.toThrow(/99/);
  });

  it('names the variable, the value and the rule', () => {
    expect(() => validate({ SIZE: '11' })).toThrow(ConfigValidationError);
    expect(() => validate({ SIZE: '11' })).toThrow(/SIZE="11": SIZE must not be greater than 10/);
  });
});
