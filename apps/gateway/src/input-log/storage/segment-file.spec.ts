import type { FileHandle } from 'node:fs/promises';
import {
  MAX_RECORD_BYTES,
  decodeRecord,
  encodeRecord,
  parseSegmentFileName,
  scanSegment,
  segmentFileName,
  verifyRecord,
} from './segment-file';

/** A read-only in-memory file with FileHandle's positional `read`. */
function memoryFile(bytes: Buffer): Pick<FileHandle, 'read'> {
  return {
    read: (async (buffer: Buffer, offset: number, length: number, position: number) => {
      const copied = bytes.copy(
        buffer,
        offset,
        position,
        Math.min(bytes.length, position + length),
      );
      return { bytesRead: copied, buffer };
    }) as FileHandle['read'],
  };
}

async function scan(bytes: Buffer, chunkBytes?: number) {
  const seen: Array<{ value: unknown; offset: number; length: number }> = [];
  const report = await scanSegment(
    memoryFile(bytes),
    (value, offset, length) => seen.push({ value, offset, length }),
    chunkBytes,
  );
  return { seen, report };
}

describe('segment file format', () => {
  it('names segments so that name order is sequence order', () => {
    expect(segmentFileName(42)).toBe('input-0000000000000042.log');
    expect(parseSegmentFileName('input-0000000000000042.log')).toBe(42);
    expect(parseSegmentFileName('hash-salt')).toBeNull();
    expect(parseSegmentFileName('input-42.log')).toBeNull();
  });

  it('round-trips a record, with its checksum in front as 8 hex digits', () => {
    const record = { type: 'input', id: 'a', data: 'multi\nline "quoted" \u2028 été 🐈 \ud800' };
    const line = encodeRecord(record);
    expect(line.toString('utf8')).toMatch(/^[0-9a-f]{8} \{.*\}\n$/s);
    // Exactly one LF, the frame's own, whatever the text holds.
    expect(line.indexOf(0x0a)).toBe(line.length - 1);
    expect(decodeRecord(line)).toEqual({ ok: true, value: record });
  });

  it('keeps a lone surrogate as an escape rather than losing it', () => {
    const decoded = decodeRecord(encodeRecord({ data: 'x\ud800y' }));
    expect(decoded).toEqual({ ok: true, value: { data: 'x\ud800y' } });
  });

  it('detects a flipped byte through the checksum', () => {
    const line = encodeRecord({ id: 'abc', data: 'hello' });
    const at = line.indexOf('hello');
    line[at] = 'j'.charCodeAt(0);
    expect(decodeRecord(line)).toEqual({ ok: false, reason: 'checksum' });
  });

  it('verifies a record without parsing it: its JSON bytes, as written', () => {
    const record = { type: 'input', id: 'a', data: 'été 🐈' };
    const verified = verifyRecord(encodeRecord(record));
    expect(verified.ok && verified.json.toString('utf8')).toBe(JSON.stringify(record));
    const line = encodeRecord(record);
    line[line.indexOf('a"')] = 'b'.charCodeAt(0);
    expect(verifyRecord(line)).toEqual({ ok: false, reason: 'checksum' });
    expect(verifyRecord(Buffer.from('not a record\n'))).toEqual({ ok: false, reason: 'framing' });
  });

  it('refuses lines that are not framed as records', () => {
    expect(decodeRecord(Buffer.from('not a record\n'))).toEqual({ ok: false, reason: 'framing' });
    expect(decodeRecord(Buffer.from('0000000z {}\n'))).toEqual({ ok: false, reason: 'framing' });
    const noLf = encodeRecord({ a: 1 }).subarray(0, -1);
    expect(decodeRecord(noLf)).toEqual({ ok: false, reason: 'framing' });
  });

  it('refuses a record larger than MAX_RECORD_BYTES', () => {
    expect(() => encodeRecord({ data: 'x'.repeat(MAX_RECORD_BYTES) })).toThrow(RangeError);
  });

  describe('scanSegment', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      id: `r${i}`,
      data: 'é'.repeat(i * 7),
    }));
    const file = Buffer.concat(records.map((r) => encodeRecord(r)));

    it.each([7, 64, 1000, 1 << 20])(
      'finds every record with %i-byte reads, across chunk boundaries',
      async (chunk) => {
        const { seen, report } = await scan(file, chunk);
        expect(seen.map((s) => s.value)).toEqual(records);
        expect(report).toEqual({
          size: file.length,
          validEnd: file.length,
          records: 50,
          damaged: [],
        });
        // Offsets and lengths point at the exact bytes of each record.
        for (const { value, offset, length } of seen) {
          expect(decodeRecord(file.subarray(offset, offset + length))).toEqual({ ok: true, value });
        }
      },
    );

    it('reports a torn last record and where the valid part ends', async () => {
      const torn = Buffer.concat([file, encodeRecord({ id: 'last' }).subarray(0, 9)]);
      const { seen, report } = await scan(torn, 64);
      expect(seen).toHaveLength(50);
      expect(report.validEnd).toBe(file.length);
      expect(report.damaged).toEqual([{ offset: file.length, length: 9, reason: 'torn' }]);
    });

    it('skips a corrupted record in the middle and resynchronises at the next line', async () => {
      const damaged = Buffer.from(file);
      const second = encodeRecord(records[0] ?? {}).length;
      damaged[second + 12] ^= 0x01;
      const { seen, report } = await scan(damaged, 64);
      expect(seen.map((s) => (s.value as { id: string }).id)).not.toContain('r1');
      expect(seen).toHaveLength(49);
      expect(report.validEnd).toBe(file.length);
      expect(report.damaged).toEqual([
        { offset: second, length: encodeRecord(records[1] ?? {}).length, reason: 'checksum' },
      ]);
    });

    it('skips a long run of garbage in bounded memory and reports it once', async () => {
      const garbage = Buffer.alloc(MAX_RECORD_BYTES * 2 + 5, 0x41);
      const bytes = Buffer.concat([encodeRecord({ id: 'a' }), garbage, encodeRecord({ id: 'b' })]);
      const { seen, report } = await scan(bytes, 4096);
      expect(seen.map((s) => s.value)).toEqual([{ id: 'a' }]);
      expect(report.damaged).toHaveLength(1);
      expect(report.damaged[0]).toMatchObject({
        offset: encodeRecord({ id: 'a' }).length,
        reason: 'framing',
      });
      expect(report.damaged[0]?.length).toBe(bytes.length - (report.damaged[0]?.offset ?? 0));
    });

    it('treats zero-filled tails (a crash after the size grew, before the data landed) as torn', async () => {
      const { report } = await scan(Buffer.concat([file, Buffer.alloc(4096)]), 1000);
      expect(report.validEnd).toBe(file.length);
      expect(report.damaged).toEqual([{ offset: file.length, length: 4096, reason: 'torn' }]);
    });
  });
});
