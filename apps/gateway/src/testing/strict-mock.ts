/** Nest calls these on every provider it holds; they are not calls the code under test makes. */
const LIFECYCLE_HOOKS = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

/**
 * A test double of `type` that fails on any call it was not told to expect:
 * a method of the real class that is not given in `implementations` throws
 * when called, so a code path that reaches the predictor unexpectedly cannot
 * pass silently.
 */
export function strictMock<T extends object>(
  type: abstract new (...args: never[]) => T,
  implementations: { [K in keyof T]?: T[K] },
): T {
  const methods = new Set(Object.getOwnPropertyNames(type.prototype));
  return new Proxy(implementations as T, {
    get(target, property, receiver) {
      if (property in target) return Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || LIFECYCLE_HOOKS.has(property) || !methods.has(property)) {
        return undefined;
      }
      return () => {
        throw new Error(`unexpected call to ${type.name}.${property}()`);
      };
    },
  });
}
