/** Node runtime fixes with no framework in them, for the services and the bench alike. */
export { installLeanAsyncResourceBind } from './lib/async-resource-bind';
