export default {
  displayName: 'gateway',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/gateway',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.integration-spec.ts'],
};
