import * as zlib from 'node:zlib';

/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zip,
 * gzip and PNG. Node has it natively only since 20.15 / 22.2 and the workspace
 * supports Node >= 20.11, so a table-driven fallback lives here. The native one
 * is several times faster, which shows when a large log is scanned at boot.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** The table-driven CRC-32 of `bytes[start, end)`; used where node has no `zlib.crc32`. */
export function crc32Portable(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return native ? native(bytes.subarray(start, end)) : crc32Portable(bytes, start, end);
}
