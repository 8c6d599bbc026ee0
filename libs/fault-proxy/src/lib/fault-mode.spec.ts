import { formatFaultMode, parseFaultMode } from './fault-mode';
import { isLoopbackAddress } from './loopback';

describe(parseFaultMode.name, () => {
  it.each([
    ['pass', { kind: 'pass' }],
    [' Blackhole ', { kind: 'blackhole' }],
    ['reset', { kind: 'reset' }],
    ['refuse', { kind: 'refuse' }],
    ['latency:200', { kind: 'latency', ms: 200 }],
    ['latency:0', { kind: 'latency', ms: 0 }],
  ])('reads %p', (text, mode) => {
    expect(parseFaultMode(text)).toEqual(mode);
    expect(parseFaultMode(formatFaultMode(parseFaultMode(text)))).toEqual(mode);
  });

  it.each(['', 'latency', 'latency:-1', 'latency:1.5', 'latency:700000', 'drop'])(
    'refuses %p, naming the forms',
    (text) => {
      expect(() => parseFaultMode(text)).toThrow(/use pass, latency:<ms>/);
    },
  );
});

describe(isLoopbackAddress.name, () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1'])('accepts %s', (host) => {
    expect(isLoopbackAddress(host)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '10.0.0.1',
    '128.0.0.1',
    '::',
    'localhost',
    'example.com',
    '',
    '::ffff:10.0.0.1',
  ])('refuses %p', (host) => {
    expect(isLoopbackAddress(host)).toBe(false);
  });
});
