import { IsInt } from 'class-validator';
import { AtMost } from './at-most';
import { envValidator } from './validate-env';

class Env {
  @IsInt()
  @AtMost('HIGH', 'low is part of high')
  LOW: number = 1;

  @IsInt()
  HIGH: number = 2;
}

describe(AtMost.name, () => {
  const validate = envValidator(Env);

  it('accepts a value up to the other variable', () => {
    expect(validate({ LOW: '2' }).LOW).toBe(2);
  });

  it('refuses a larger value, naming both variables and the reason', () => {
    expect(() => validate({ LOW: '3' })).toThrow(
      'LOW="3": LOW must not exceed HIGH (2): low is part of high',
    );
  });
});
