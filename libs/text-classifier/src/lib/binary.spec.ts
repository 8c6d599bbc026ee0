import {
  decodeBase64,
  encodeBase64,
  packFloat32,
  packUint32,
  roundSignificant,
  unpackFloat32,
  unpackUint32,
} from './binary';

describe('base64', () => {
  it('matches Node for every padding length', () => {
    for (let len = 0; len < 10; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 73 + 11) % 256);
      const encoded = encodeBase64(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
      expect(Array.from(decodeBase64(encoded))).toEqual(Array.from(bytes));
    }
  });

  it('rejects malformed input', () => {
    expect(() => decodeBase64('abc')).toThrow(/multiple of 4/);
    expect(() => decodeBase64('ab$=')).toThrow(/invalid base64 character/);
    expect(() => decodeBase64('a=bc')).toThrow(/invalid base64 character/);
  });
});

describe('packing', () => {
  it('round-trips little-endian float32 and uint32', () => {
    const floats = [0, -1.5, 3.25, 1e-7, -123456.5];
    const packed = packFloat32(floats);
    expect(Array.from(packed.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0xc0, 0xbf]);
    expect(Array.from(unpackFloat32(packed))).toEqual(Array.from(Float32Array.from(floats)));
    const ints = [0, 1, 262143, 4294967295];
    expect(Array.from(unpackUint32(packUint32(ints)))).toEqual(ints);
    expect(() => unpackUint32(new Uint8Array(3))).toThrow(/multiple of 4/);
  });

  it('rounds to significant digits', () => {
    expect(roundSignificant(1.23456789)).toBe(1.23457);
    expect(roundSignificant(-0.000123456789, 3)).toBe(-0.000123);
    expect(roundSignificant(0)).toBe(0);
  });
});
