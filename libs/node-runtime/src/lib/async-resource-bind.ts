import { AsyncResource } from 'node:async_hooks';

type AnyFunction = (...args: unknown[]) => unknown;

/** The original `bind`, for the spec and for anyone who needs the deprecated accessor. */
// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with .call(resource, ...)
export const originalAsyncResourceBind = AsyncResource.prototype.bind;

/** True when this Node's `bind` still defines the deprecated `asyncResource` accessor (DEP0172). */
export function bindDefinesDeprecatedAccessor(): boolean {
  const bound = originalAsyncResourceBind.call(new AsyncResource('probe'), () => undefined);
  return typeof Object.getOwnPropertyDescriptor(bound, 'asyncResource')?.get === 'function';
}

/**
 * `AsyncResource#bind` without the deprecated `asyncResource` accessor.
 *
 * Node 20 defines that accessor on every bound function with two fresh
 * `util.deprecate` wrappers, and Fastify binds one per request body
 * (content-type-parser `run`): ~4% of the gateway's CPU per request in the
 * profile, for a property nothing in this workspace reads. The bound function
 * still runs `fn` in the resource's async scope with the same `this` and
 * arguments, and keeps `fn`'s length, exactly as Node's does.
 *
 * Installed once at process start (main.ts), only where the accessor exists.
 * @returns whether it was installed.
 */
export function installLeanAsyncResourceBind(): boolean {
  if (!bindDefinesDeprecatedAccessor()) return false;
  // Node's bind takes an optional thisArg that @types/node does not declare.
  AsyncResource.prototype.bind = function bind<Func extends AnyFunction>(
    this: AsyncResource,
    fn: Func,
    thisArg?: unknown,
  ): Func {
    if (typeof fn !== 'function') {
      throw new TypeError('The "fn" argument must be of type function');
    }
    const run = this.runInAsyncScope.bind(this);
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]): unknown {
            return run(fn, this, ...args);
          }
        : (...args: unknown[]): unknown => run(fn, thisArg, ...args);
    Object.defineProperty(bound, 'length', { configurable: true, value: fn.length });
    return bound as Func;
  } as typeof AsyncResource.prototype.bind;
  return true;
}
