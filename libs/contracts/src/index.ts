export * from './lib/envelope';
export * from './lib/errors';
export * from './lib/inference.dto';
export * from './lib/limits';
export * from './lib/patterns';
export * from './lib/predict.dto';
export * from './lib/prediction';
export * from './lib/problem';
