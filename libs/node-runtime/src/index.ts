/** Node runtime fixes with no framework in them, for the services and the bench alike. */
export * from './lib/async-resource-bind';
