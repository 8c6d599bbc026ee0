import { IsOptional, IsString } from 'class-validator';
import { AllOrNone } from './all-or-none';
import { envValidator } from './validate-env';

class Env {
  @AllOrNone(['A', 'B', 'C'])
  A?: string;

  @IsOptional()
  @IsString()
  B?: string;

  @IsOptional()
  @IsString()
  C?: string;
}

describe(AllOrNone.name, () => {
  const validate = envValidator(Env);

  it.each([[{}], [{ A: 'a', B: 'b', C: 'c' }], [{ A: '', B: '', C: '' }]])('accepts %j', (env) => {
    expect(() => validate(env)).not.toThrow();
  });

  it.each([
    [{ A: 'a' }, 'missing: B, C'],
    [{ B: 'b', C: 'c' }, 'missing: A'],
    [{ C: 'c' }, 'missing: A, B'],
  ])('refuses the partial set %j, naming the variables', (env, missing) => {
    expect(() => validate(env)).toThrow(
      `A, B and C must be set together or not at all (${missing})`,
    );
  });
});
