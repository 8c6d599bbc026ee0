import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import {
  bindDefinesDeprecatedAccessor,
  installLeanAsyncResourceBind,
  originalAsyncResourceBind,
} from './async-resource-bind';

describe(installLeanAsyncResourceBind.name, () => {
  const installed = AsyncResource.prototype.bind;
  afterAll(() => {
    AsyncResource.prototype.bind = installed;
  });

  beforeAll(() => {
    AsyncResource.prototype.bind = originalAsyncResourceBind;
    installLeanAsyncResourceBind();
  });

  it('replaces bind only where Node still defines the deprecated accessor', () => {
    AsyncResource.prototype.bind = originalAsyncResourceBind;
    const needed = bindDefinesDeprecatedAccessor();
    // The Node this project runs on (20.x) has the accessor: there the replacement is what runs.
    if (process.versions.node.startsWith('20.')) expect(needed).toBe(true);
    expect(installLeanAsyncResourceBind()).toBe(needed);
    expect(AsyncResource.prototype.bind === originalAsyncResourceBind).toBe(!needed);
    expect(
      Object.getOwnPropertyDescriptor(
        new AsyncResource('x').bind(() => 1),
        'asyncResource',
      ),
    ).toBeUndefined();
  });

  it("runs the bound function in the resource's async context, not the caller's", () => {
    const storage = new AsyncLocalStorage<string>();
    const resource = storage.run('at bind time', () => new AsyncResource('test'));
    const bound = resource.bind(() => storage.getStore());
    expect(storage.run('at call time', bound)).toBe('at bind time');
  });

  it('passes arguments, the call-site this (or the given thisArg), and keeps the length', () => {
    const resource = new AsyncResource('test');
    function probe(this: unknown, a: number, b: number): [unknown, number] {
      return [this, a + b];
    }
    const self = { name: 'caller' };
    const bound = resource.bind(probe);
    expect(bound.call(self, 1, 2)).toEqual([self, 3]);
    expect(bound.length).toBe(2);
    const fixed = { name: 'fixed' };
    const withThis = Reflect.apply(resource.bind, resource, [probe, fixed]) as (
      this: unknown,
      a: number,
      b: number,
    ) => [unknown, number];
    expect(withThis.call(self, 2, 3)).toEqual([fixed, 5]);
  });

  it('refuses a non-function as Node does', () => {
    expect(() => new AsyncResource('test').bind(5 as unknown as () => void)).toThrow(TypeError);
  });
});
