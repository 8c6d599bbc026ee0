import * as zlib from 'node:zlib';
import { crc32 } from './crc32';

describe('crc32', () => {
  it('gives the standard check value and the empty-input value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('checksums a sub-range without copying', () => {
    const bytes = Buffer.from('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });

  // Node >= 20.15 ships its own; when it is there, the two must agree.
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  (native ? it : it.skip)('agrees with zlib.crc32 on random data', () => {
    for (let size = 0; size < 2000; size += 97) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + size) & 0xff));
      expect(crc32(bytes)).toBe(native?.(bytes));
    }
  });
});
