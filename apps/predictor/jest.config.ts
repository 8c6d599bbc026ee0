export default {
  displayName: 'predictor',
  preset: '../../jest.preset.js',
  // onnxruntime-node and the specs must share typed-array constructors (see the file).
  testEnvironment: '<rootDir>/jest.environment.cjs',
  coverageDirectory: '../../coverage/apps/predictor',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.integration-spec.ts'],
};
