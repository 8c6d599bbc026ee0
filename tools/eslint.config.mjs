import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Command-line tools talk on the console. The root config's `tools/**` override
    // does not match here: ESLint resolves globs from this file's directory.
    files: ['**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
