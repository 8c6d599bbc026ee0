const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // In-process specs and specs over real sockets or processes; `test-unit` and
  // `test-integration` (tools/nx/test-kinds.js) run each kind alone.
  testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.integration-spec.ts'],
  // Nest and class-transformer read decorator metadata, as main.ts enables it.
  setupFiles: ['reflect-metadata'],
};
