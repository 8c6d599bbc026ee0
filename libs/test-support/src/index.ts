export * from './lib/node-process';
export * from './lib/ports';
export * from './lib/wait-for';
export * from './lib/test-pki';
export * from './lib/postgres-server';
export * from './lib/nest-frames';
