export default {
  displayName: 'test-support',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/test-support',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.integration-spec.ts'],
};
