export * from './lib/fault-mode';
export * from './lib/fault-proxy';
export * from './lib/loopback';
