export default {
  displayName: 'gateway-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  // Real processes on real ports: one file at a time keeps timings honest on 2 cores.
  maxWorkers: 1,
  testTimeout: 30_000,
  // A process a spec leaves running would keep jest alive after its last test: stopped and reported.
  setupFilesAfterEnv: ['<rootDir>/src/support/no-leaked-processes.ts'],
};
