import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteMetadataCache } from './route-metadata-cache';

@SetMetadata('limit', 5)
class Routes {
  @SetMetadata('limit', 9)
  overridden(): string {
    return 'overridden';
  }

  inherited(): string {
    return 'inherited';
  }
}

describe(RouteMetadataCache.name, () => {
  const plain = new Reflector();
  const cached = new RouteMetadataCache();
  const targets = (name: 'overridden' | 'inherited') => [Routes.prototype[name], Routes];

  it.each(['overridden', 'inherited'] as const)('answers as Reflector does (%s)', (name) => {
    for (const key of ['limit', 'absent']) {
      expect(cached.getAllAndOverride(key, targets(name))).toEqual(
        plain.getAllAndOverride(key, targets(name)),
      );
    }
  });

  it('keeps each route its own answers when routes alternate', () => {
    const fresh = new RouteMetadataCache();
    for (let i = 0; i < 3; i++) {
      expect(fresh.getAllAndOverride('limit', targets('overridden'))).toBe(9);
      expect(fresh.getAllAndOverride('limit', targets('inherited'))).toBe(5);
      expect(fresh.getAllAndOverride('limit', [Routes.prototype.overridden, Object])).toBe(9);
      expect(
        fresh.getAllAndOverride('limit', [Routes.prototype.inherited, Object]),
      ).toBeUndefined();
    }
  });

  it('reads reflect-metadata once per key and route, undefined answers included', () => {
    const read = jest.spyOn(Reflector.prototype, 'get');
    const fresh = new RouteMetadataCache();
    for (let i = 0; i < 3; i++) {
      fresh.getAllAndOverride('limit', targets('inherited'));
      fresh.getAllAndOverride('absent', targets('inherited'));
    }
    // getAllAndOverride reads each of the two targets: 2 keys × 2 targets, once.
    expect(read).toHaveBeenCalledTimes(4);
    read.mockRestore();
  });

  it('does not cache lookups that are not (handler, class)', () => {
    const uncached = jest.spyOn(Reflector.prototype, 'getAllAndOverride');
    const fresh = new RouteMetadataCache();
    expect(fresh.getAllAndOverride('limit', [Routes])).toBe(5);
    expect(fresh.getAllAndOverride('limit', [Routes])).toBe(5);
    expect(uncached).toHaveBeenCalledTimes(2);
    uncached.mockRestore();
  });
});
