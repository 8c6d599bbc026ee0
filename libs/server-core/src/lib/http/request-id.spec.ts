import { requestIdFor } from './request-id';

describe(requestIdFor.name, () => {
  it('keeps a sane client id', () => {
    expect(requestIdFor({ headers: { 'x-request-id': 'client-42.a:b@c' } })).toBe(
      'client-42.a:b@c',
    );
  });

  it.each([['a'.repeat(129)], ['evil\r\nset-cookie: x'], [''], ['spa ce']])(
    'replaces %p with a new UUID',
    (offered) => {
      expect(requestIdFor({ headers: { 'x-request-id': offered } })).toMatch(
        /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/,
      );
    },
  );

  it('generates a different id for each request without one', () => {
    expect(requestIdFor({ headers: {} })).not.toBe(requestIdFor({ headers: {} }));
  });
});
