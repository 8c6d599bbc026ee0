export default {
  displayName: 'predictor',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/predictor',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.integration-spec.ts'],
};
