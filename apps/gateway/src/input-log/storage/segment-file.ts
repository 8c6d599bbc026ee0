import type { FileHandle } from 'node:fs/promises';
import { crc32 } from './crc32';

/*
 * Segment file format (see docs/input-log.md, "On disk").
 *
 * A segment is `input-<sequence, 16 decimal digits>.log`; sequences only grow,
 * so name order is age order. It holds records, one per line:
 *
 *     <crc32 of the JSON bytes, 8 lowercase hex digits> <SP> <JSON, UTF-8> <LF>
 *
 * JSON.stringify never emits a raw LF (it escapes control characters, and no
 * byte of a multi-byte UTF-8 sequence is 0x0A), so LF frames a record exactly,
 * and a reader can resynchronise at the next LF after a damaged record. The
 * checksum tells a whole record from a torn or corrupted one; a crash can only
 * leave damage after the last fsynced byte, which recovery truncates away.
 * Plain text on purpose: `grep`, `tail` and `jq` work on a segment as it is.
 */

const SEGMENT_NAME = /^input-(\d{16})\.log$/;
const LF = 0x0a;
const SP = 0x20;
const CRC_HEX_LENGTH = 8;
/** CRC, space, at least `{}`, LF. */
const MIN_RECORD_BYTES = CRC_HEX_LENGTH + 1 + 2 + 1;

/**
 * No record may be larger: a 10 000-character input escaped to `\uXXXX` is
 * about 60 KB. A reader treats anything longer without an LF as damage
 * instead of buffering it, so a garbage file cannot exhaust memory.
 */
export const MAX_RECORD_BYTES = 256 * 1024;

export function segmentFileName(seq: number): string {
  return `input-${String(seq).padStart(16, '0')}.log`;
}

/** The sequence number of a segment file name, or null for any other file. */
export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match?.[1] ? Number(match[1]) : null;
}

/**
 * Frames one record: checksum, space, JSON, LF.
 * @throws RangeError when the encoded record exceeds MAX_RECORD_BYTES.
 */
export function encodeRecord(record: object): Buffer {
  // The JSON is written straight into the framed line: no intermediate Buffer and copy.
  const json = JSON.stringify(record);
  const start = CRC_HEX_LENGTH + 1;
  const end = start + Buffer.byteLength(json, 'utf8');
  if (end + 1 > MAX_RECORD_BYTES) {
    throw new RangeError(`record of ${end + 1} bytes exceeds ${MAX_RECORD_BYTES}`);
  }
  const line = Buffer.allocUnsafe(end + 1);
  line.write(json, start, 'utf8');
  line.write(crc32(line, start, end).toString(16).padStart(CRC_HEX_LENGTH, '0'), 0, 'latin1');
  line[CRC_HEX_LENGTH] = SP;
  line[end] = LF;
  return line;
}

export type DecodeFailure = 'framing' | 'checksum' | 'json';

export type DecodeResult = { ok: true; value: unknown } | { ok: false; reason: DecodeFailure };

/**
 * Checks one framed record (LF included) without parsing it: its JSON bytes
 * (a view into `line`) when framing and checksum hold.
 */
export function verifyRecord(
  line: Uint8Array,
): { ok: true; json: Buffer } | { ok: false; reason: 'framing' | 'checksum' } {
  if (
    line.length < MIN_RECORD_BYTES ||
    line[line.length - 1] !== LF ||
    line[CRC_HEX_LENGTH] !== SP
  ) {
    return { ok: false, reason: 'framing' };
  }
  const hex = Buffer.from(line.buffer, line.byteOffset, CRC_HEX_LENGTH).toString('latin1');
  if (!/^[0-9a-f]{8}$/.test(hex)) return { ok: false, reason: 'framing' };
  const start = CRC_HEX_LENGTH + 1;
  const end = line.length - 1;
  if (crc32(line, start, end) !== parseInt(hex, 16)) return { ok: false, reason: 'checksum' };
  return { ok: true, json: Buffer.from(line.buffer, line.byteOffset + start, end - start) };
}

/** Checks and parses one framed record (LF included). */
export function decodeRecord(line: Uint8Array): DecodeResult {
  const verified = verifyRecord(line);
  if (!verified.ok) return verified;
  try {
    return { ok: true, value: JSON.parse(verified.json.toString('utf8')) as unknown };
  } catch {
    return { ok: false, reason: 'json' };
  }
}

/** A stretch of a segment that is not a valid record. */
export interface DamagedRange {
  offset: number;
  length: number;
  reason: DecodeFailure | 'torn';
}

export interface ScanReport {
  /** Bytes in the file when scanned. */
  size: number;
  /** End of the last valid record: where a writer may safely resume. */
  validEnd: number;
  records: number;
  /** Every damaged stretch, including a torn tail (`reason: 'torn'`: no LF before EOF). */
  damaged: DamagedRange[];
}

/**
 * Reads a segment from the start, calling `onRecord` for each valid record in
 * file order, and reports what it had to skip. Reads in chunks so that a
 * segment of any size is scanned in bounded memory.
 */
export async function scanSegment(
  handle: Pick<FileHandle, 'read'>,
  onRecord: (value: unknown, offset: number, length: number) => void,
  chunkBytes = 1024 * 1024,
): Promise<ScanReport> {
  const report: ScanReport = { size: 0, validEnd: 0, records: 0, damaged: [] };
  const damage = (offset: number, length: number, reason: DamagedRange['reason']): void => {
    const last = report.damaged[report.damaged.length - 1];
    // Garbage without LFs arrives as many pieces; report it as one range.
    if (last && last.reason === reason && last.offset + last.length === offset)
      last.length += length;
    else report.damaged.push({ offset, length, reason });
  };
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunkBytes, report.size);
    if (bytesRead === 0) break;
    report.size += bytesRead;
    const buffer =
      carry.length > 0
        ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
        : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let lf = buffer.indexOf(LF, start); lf !== -1; lf = buffer.indexOf(LF, start)) {
      const line = buffer.subarray(start, lf + 1);
      const offset = carryOffset + start;
      const decoded = decodeRecord(line);
      if (decoded.ok) {
        onRecord(decoded.value, offset, line.length);
        report.records++;
        report.validEnd = offset + line.length;
      } else {
        damage(offset, line.length, decoded.reason);
      }
      start = lf + 1;
    }
    const rest = buffer.subarray(start);
    if (rest.length > MAX_RECORD_BYTES) {
      // No record is this long: skip the bytes instead of buffering them.
      damage(carryOffset + start, rest.length, 'framing');
      carry = Buffer.alloc(0);
      carryOffset += buffer.length;
    } else {
      // Copy: `rest` may point into `chunk`, which the next read overwrites.
      carry = Buffer.from(rest);
      carryOffset += start;
    }
  }
  if (carry.length > 0) damage(carryOffset, carry.length, 'torn');
  return report;
}
