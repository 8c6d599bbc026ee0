import { crc32, crc32Portable } from './crc32';

describe('crc32', () => {
  it.each([
    ['crc32', crc32],
    ['crc32Portable', crc32Portable],
  ])(
    '%s gives the standard check value, the empty-input value, and checksums a sub-range',
    (_, checksum) => {
      expect(checksum(Buffer.from('123456789'))).toBe(0xcbf43926);
      expect(checksum(Buffer.alloc(0))).toBe(0);
      expect(checksum(Buffer.from('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
    },
  );

  it('gives the same result natively (when node has zlib.crc32) and from the table', () => {
    for (let size = 0; size < 2000; size += 97) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + size) & 0xff));
      expect(crc32(bytes)).toBe(crc32Portable(bytes));
      expect(crc32(bytes, 3, Math.max(3, size - 5))).toBe(
        crc32Portable(bytes, 3, Math.max(3, size - 5)),
      );
    }
  });
});
