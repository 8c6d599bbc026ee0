/**
 * The bundles are compacted and written in ASCII (CompactAsciiOutput in
 * tools/webpack/node-app.config.js): V8 keeps main.js's source in each
 * process's heap for as long as it runs, at two bytes a character as soon as
 * one character is above U+00FF. These run the minimizer the build configures
 * on code that breaks if it were renamed, re-encoded or rewritten.
 */
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { repoPath } from './support/repo';

interface MinimizerPlugin {
  options: {
    minimizer: {
      implementation: (
        input: Record<string, string>,
        sourceMap: undefined,
        options: unknown,
        extractComments: unknown,
      ) => Promise<{ code: string }>;
      options: unknown;
    };
  };
}

interface CompilerStub {
  options: { optimization: { minimize?: boolean; minimizer?: unknown[] } };
}

const configPath = repoPath('tools', 'webpack', 'node-app.config.js');
const { CompactAsciiOutput } = createRequire(__filename)(configPath) as {
  CompactAsciiOutput: new () => { apply(compiler: CompilerStub): void };
};
// The minimizer NxAppWebpackPlugin constructs, resolved from where Nx resolves it.
const NxTerserPlugin = createRequire(createRequire(configPath).resolve('@nx/webpack'))(
  'terser-webpack-plugin',
) as new (options?: object) => MinimizerPlugin;

/** What the build's minimizer makes of `source`. */
async function compact(source: string): Promise<string> {
  const compiler: CompilerStub = {
    options: { optimization: { minimize: false, minimizer: [new NxTerserPlugin()] } },
  };
  new CompactAsciiOutput().apply(compiler);
  expect(compiler.options.optimization.minimize).toBe(true);
  const [plugin] = compiler.options.optimization.minimizer as [MinimizerPlugin];
  const { implementation, options } = plugin.options.minimizer;
  return (await implementation({ 'main.js': source }, undefined, options, false)).code;
}

const SOURCE = `
  // An em dash in a comment — the kind that made the whole bundle two-byte.
  class RequestFailedError extends Error {}
  function describeFailure(reason, unusedSecond) {
    const label = 'failed — ' + reason;
    return { label, className: RequestFailedError.name, fn: describeFailure.name,
      arity: describeFailure.length };
  }
  /*! Example licence notice: kept. */
  result = {
    described: describeFailure('❌ timeout'),
    emoji: /^\\p{Extended_Pictographic}$/u.test('🚀'),
    dash: /^[–—]$/.test('—'),
    template: \`⚠ \${1 + 1}\`,
    latin1: 'Wärting §',
  };
`;

describe('the bundles are compact ASCII', () => {
  it('writes every character above U+007F as an escape, comments dropped except licences', async () => {
    const code = await compact(SOURCE);
    expect([...code].filter((char) => char.charCodeAt(0) > 0x7f)).toEqual([]);
    expect(code).not.toContain('An em dash');
    expect(code).toContain('Example licence notice');
  });

  it('keeps names, arity and what the code computes', async () => {
    const code = await compact(SOURCE);
    expect(code).toContain('function describeFailure(reason,unusedSecond)');
    const original: { result?: unknown } = {};
    const compacted: { result?: unknown } = {};
    runInNewContext(SOURCE, original);
    runInNewContext(code, compacted);
    expect(compacted.result).toEqual(original.result);
    expect(compacted.result).toMatchObject({
      described: {
        label: 'failed — ❌ timeout',
        className: 'RequestFailedError',
        fn: 'describeFailure',
        arity: 2,
      },
      emoji: true,
      dash: true,
      template: '⚠ 2',
    });
  });

  it('refuses to build when NxAppWebpackPlugin set no minimizer to configure', () => {
    const compiler: CompilerStub = { options: { optimization: {} } };
    expect(() => new CompactAsciiOutput().apply(compiler)).toThrow(/no minimizer/);
  });
});
