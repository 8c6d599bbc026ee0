export default {
  displayName: 'gateway',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/gateway',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.integration-spec.ts'],
  // Most specs build the whole gateway (Nest, Fastify, a real input log) in a hook; the first
  // build in a worker also loads the module graph, which passed jest's 5 s on a loaded 2-core
  // machine (process.controller.spec.ts, while benches ran beside it).
  testTimeout: 20_000,
};
