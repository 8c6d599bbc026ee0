import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Command-line tools talk to their user on the console.
    files: ['**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
