export * from './lib/config/validate-env';
export * from './lib/http/http-app';
export * from './lib/http/json-body-parser';
export * from './lib/http/request-id';
export * from './lib/lifecycle/lifecycle.service';
export * from './lib/problem/problem-details.filter';
export * from './lib/problem/problem.exception';
export * from './lib/problem/to-problem';
