import { constants as fsConstants, readFileSync, readlinkSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { instrumentedFs } from '../../testing/instrumented-fs';
import type { FsProbe } from '../../testing/instrumented-fs';
import { makeTempDir, removeTempDir } from '../../testing/temp-dir';
import { isInputLogUnavailable } from '../input-log.errors';
import type { InputLogUnavailableError } from '../input-log.errors';
import { SegmentWriter, segmentsBeyondRetention } from './segment-writer';
import type { RecordLocation, SegmentInfo, SegmentWriterOptions } from './segment-writer';
import { encodeRecord, parseSegmentFileName, scanSegment, segmentFileName } from './segment-file';
import type { ScanReport } from './segment-file';

const record = (id: string, padding = 0): Buffer => encodeRecord({ id, pad: 'x'.repeat(padding) });

interface Harness {
  writer: SegmentWriter;
  probe: FsProbe;
  removed: number[];
  failures: InputLogUnavailableError[];
}

/** Every segment in the directory, oldest first, with the ids it holds and its scan report. */
async function readSegments(
  dir: string,
): Promise<Array<{ seq: number; ids: string[]; report: ScanReport }>> {
  const seqs = (await readdir(dir))
    .map(parseSegmentFileName)
    .filter((seq): seq is number => seq !== null)
    .sort((a, b) => a - b);
  const segments = [];
  for (const seq of seqs) {
    const handle = await open(join(dir, segmentFileName(seq)), 'r');
    const ids: string[] = [];
    const report = await scanSegment(handle, (value) => ids.push((value as { id: string }).id));
    await handle.close();
    segments.push({ seq, ids, report });
  }
  return segments;
}

describe(SegmentWriter.name, () => {
  let dir: string;
  const writers: SegmentWriter[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('writer');
  });

  afterEach(async () => {
    await Promise.all(writers.splice(0).map((writer) => writer.close()));
    await removeTempDir(dir);
  });

  async function openWriter(
    overrides: Partial<SegmentWriterOptions> = {},
    existing: SegmentInfo[] = [],
  ): Promise<Harness> {
    const { fs, probe } = instrumentedFs();
    const removed: number[] = [];
    const failures: InputLogUnavailableError[] = [];
    const writer = await SegmentWriter.open(
      {
        dir,
        fs,
        logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn() },
        segmentBytes: 1024 * 1024,
        retentionBytes: 1024 * 1024 * 1024,
        onSegmentsRemoved: (seqs) => removed.push(...seqs),
        onFailure: (failure) => failures.push(failure),
        ...overrides,
      },
      existing,
    );
    writers.push(writer);
    return { writer, probe, removed, failures };
  }

  it('hands over each durable batch’s bytes where they were written, and counts durable bytes from a position', async () => {
    const written: Array<{ seq: number; offset: number; bytes: Buffer }> = [];
    const { writer } = await openWriter({
      onDurableBytes: (seq, offset, bytes) =>
        written.push({ seq, offset, bytes: Buffer.from(bytes) }),
    });
    await Promise.all(['a', 'b', 'c'].map((id) => writer.append(record(id), { urgent: true })));
    await writer.append(record('d'), { urgent: true });
    const [segment] = writer.segmentInfos();
    const file = readFileSync(join(dir, segmentFileName(segment?.seq ?? 0)));
    expect(written.length).toBeGreaterThanOrEqual(2);
    for (const { seq, offset, bytes } of written) {
      expect(seq).toBe(segment?.seq);
      expect(bytes.equals(file.subarray(offset, offset + bytes.length))).toBe(true);
    }
    expect(Buffer.concat(written.map((w) => w.bytes)).equals(file)).toBe(true);
    expect(writer.bytesFrom(null)).toBe(file.length);
    expect(writer.bytesFrom({ seq: segment?.seq ?? 0, offset: record('a').length })).toBe(
      file.length - record('a').length,
    );
    expect(writer.bytesFrom({ seq: (segment?.seq ?? 0) + 1, offset: 0 })).toBe(0);
  });

  it('group-commits concurrent appends: one synced write per batch, far fewer than records', async () => {
    const { writer, probe } = await openWriter();
    const durable: string[] = [];
    // 20 clients, each appending 10 records one after the other, as requests would.
    const clients = Array.from({ length: 20 }, async (_, c) => {
      const locations: RecordLocation[] = [];
      for (let i = 0; i < 10; i++) {
        const id = `c${c}-${i}`;
        locations.push(
          await writer.append(record(id), { urgent: true, onDurable: () => durable.push(id) }),
        );
      }
      return locations;
    });
    const locations = (await Promise.all(clients)).flat();

    const stats = writer.stats();
    expect(stats.recordsWritten).toBe(200);
    expect(probe.syncs).toBe(stats.batches);
    expect(probe.writes).toBe(stats.batches);
    expect(probe.syncs).toBeLessThan(200 / 4);
    // Each promise resolved with the exact place of its record, after its onDurable ran.
    expect(durable).toHaveLength(200);
    const [segment] = await readSegments(dir);
    expect(segment?.report.damaged).toEqual([]);
    expect(segment?.ids).toEqual(durable);
    const offsets = locations.map((l) => l.offset).sort((a, b) => a - b);
    expect(offsets[0]).toBe(0);
    expect(stats.bytesOnDisk).toBe((await stat(join(dir, segmentFileName(1)))).size);
  });

  // O_DSYNC is used on Linux only (elsewhere: fdatasync), and /proc/self/fdinfo is Linux's too.
  (process.platform === 'linux' ? it : it.skip)(
    'opens segments so that the kernel syncs each write (O_DSYNC)',
    async () => {
      const { writer, probe } = await openWriter();
      await writer.append(record('r'), { urgent: true });
      const segment = probe.opened.find(
        (handle) =>
          handle.fd >= 0 && readlinkSync(`/proc/self/fd/${handle.fd}`).endsWith(segmentFileName(1)),
      );
      expect(segment).toBeDefined();
      const flags = /^flags:\s+([0-7]+)$/m.exec(
        readFileSync(`/proc/self/fdinfo/${segment?.fd ?? -1}`, 'utf8'),
      )?.[1];
      expect(Number.parseInt(flags ?? '0', 8) & fsConstants.O_DSYNC).toBe(fsConstants.O_DSYNC);
      expect(Number.parseInt(flags ?? '0', 8) & fsConstants.O_APPEND).toBe(fsConstants.O_APPEND);
    },
  );

  it('syncs each record on its own when appends do not overlap', async () => {
    const { writer, probe } = await openWriter();
    for (let i = 0; i < 5; i++) await writer.append(record(`r${i}`), { urgent: true });
    expect(probe.syncs).toBe(5);
  });

  it('lets a non-urgent record ride along with the next urgent batch', async () => {
    const { writer, probe } = await openWriter({ lingerMs: 60_000 });
    const outcome = writer.append(record('outcome'), { urgent: false });
    await writer.append(record('input'), { urgent: true });
    await outcome;
    expect(probe.syncs).toBe(1);
  });

  it('writes a lone non-urgent record after the linger', async () => {
    const { writer, probe } = await openWriter({ lingerMs: 5 });
    await writer.append(record('alone'), { urgent: false });
    expect(probe.syncs).toBe(1);
  });

  it('rotates to a new segment before a record would pass the segment size', async () => {
    const { writer } = await openWriter({ segmentBytes: 4096 });
    const locations: RecordLocation[] = [];
    for (let i = 0; i < 60; i++)
      locations.push(await writer.append(record(`r${i}`, 250), { urgent: true }));

    const segments = await readSegments(dir);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    for (const segment of segments) {
      expect(segment.report.size).toBeLessThanOrEqual(4096);
      expect(segment.report.damaged).toEqual([]);
    }
    expect(segments.flatMap((s) => s.ids)).toEqual(locations.map((_, i) => `r${i}`));
    expect(locations.map((l) => l.seq)).toEqual(
      [...locations.map((l) => l.seq)].sort((a, b) => a - b),
    );
    expect(writer.stats().segments).toBe(segments.length);
  });

  it('deletes the oldest whole segments beyond retention and reports them first', async () => {
    const { writer, removed } = await openWriter({ segmentBytes: 4096, retentionBytes: 3 * 4096 });
    for (let i = 0; i < 100; i++) await writer.append(record(`r${i}`, 250), { urgent: true });

    const segments = await readSegments(dir);
    const ids = segments.flatMap((s) => s.ids);
    expect(removed).toEqual(Array.from({ length: removed.length }, (_, i) => i + 1));
    expect(removed.length).toBeGreaterThan(0);
    expect(segments[0]?.seq).toBe((removed[removed.length - 1] ?? 0) + 1);
    expect(ids[ids.length - 1]).toBe('r99');
    expect(ids).not.toContain('r0');
    const onDisk = segments.reduce((sum, s) => sum + s.report.size, 0);
    expect(onDisk).toBeLessThanOrEqual(3 * 4096);
    expect(writer.stats().bytesOnDisk).toBe(onDisk);
  });

  it('never deletes the segment being written', () => {
    const segments = [
      { seq: 1, size: 100 },
      { seq: 2, size: 100 },
      { seq: 3, size: 100 },
    ];
    expect(segmentsBeyondRetention(segments, 100, 250)).toEqual([{ seq: 1, size: 100 }]);
    expect(segmentsBeyondRetention(segments, 100, 10)).toEqual(segments.slice(0, 2));
    expect(segmentsBeyondRetention(segments, 100, 1000)).toEqual([]);
    expect(segmentsBeyondRetention([{ seq: 9, size: 5000 }], 100, 10)).toEqual([]);
  });

  it('resumes an existing segment that has room', async () => {
    const first = await openWriter();
    await first.writer.append(record('before'), { urgent: true });
    await first.writer.close();
    const size = (await stat(join(dir, segmentFileName(1)))).size;
    const { writer } = await openWriter({}, [{ seq: 1, size }]);
    const location = await writer.append(record('after'), { urgent: true });
    expect(location).toMatchObject({ seq: 1, offset: size });
    expect((await readSegments(dir)).map((s) => s.ids)).toEqual([['before', 'after']]);
  });

  it.each([
    ['the sync', (probe: FsProbe) => (probe.failSync = 'ENOSPC')],
    [
      'a half-done write',
      (probe: FsProbe) => ((probe.failWrite = 'ENOSPC'), (probe.partialWrite = true)),
    ],
  ])(
    'on a full disk during %s: refuses the batch, cuts it off the file, and recovers in a new segment',
    async (_, inject) => {
      const { writer, probe, failures } = await openWriter();
      await writer.append(record('kept'), { urgent: true });
      const sizeBefore = writer.stats().bytesOnDisk;

      inject(probe);
      const refused = await Promise.allSettled(
        [1, 2, 3].map((i) => writer.append(record(`lost${i}`), { urgent: true })),
      );
      for (const outcome of refused) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as unknown;
        expect(isInputLogUnavailable(reason) && reason.reason).toBe('the disk is full');
      }
      expect(failures).toHaveLength(1);
      expect(writer.failed?.reason).toBe('the disk is full');
      await expect(writer.append(record('later'), { urgent: true })).rejects.toMatchObject({
        reason: 'the disk is full',
      });

      // Still full: the probe write fails and nothing changes.
      expect(await writer.recover()).toBe(false);
      expect((await stat(join(dir, segmentFileName(1)))).size).toBe(sizeBefore);
      probe.failSync = null;
      probe.failWrite = null;
      expect(await writer.recover()).toBe(true);
      const location = await writer.append(record('after'), { urgent: true });
      expect(location.seq).toBeGreaterThan(1);

      const segments = await readSegments(dir);
      expect(segments.flatMap((s) => s.ids)).toEqual(['kept', 'after']);
      for (const segment of segments) expect(segment.report.damaged).toEqual([]);
      expect(await readdir(dir)).not.toContain('.probe');
    },
  );

  it('writes what is queued before closing, then refuses appends', async () => {
    const { writer } = await openWriter({ lingerMs: 60_000 });
    const pending = writer.append(record('queued'), { urgent: false });
    await writer.close();
    await expect(pending).resolves.toMatchObject({ seq: 1, offset: 0 });
    await expect(writer.append(record('late'), { urgent: true })).rejects.toMatchObject({
      reason: 'the input log is closed',
    });
    expect((await readSegments(dir))[0]?.ids).toEqual(['queued']);
  });

  it('writes a record appended unawaited with the next batch and tells onDurable where', async () => {
    const { writer, probe } = await openWriter({ lingerMs: 60_000 });
    const durable: RecordLocation[] = [];
    const failed: Error[] = [];
    writer.appendUnawaited(record('outcome'), {
      urgent: false,
      onDurable: (location) => durable.push(location),
      onFailed: (error) => failed.push(error),
    });
    await writer.append(record('input'), { urgent: true });
    expect(probe.syncs).toBe(1);
    expect(durable).toEqual([{ seq: 1, offset: 0, length: record('outcome').length }]);
    expect(failed).toEqual([]);
    expect((await readSegments(dir))[0]?.ids).toEqual(['outcome', 'input']);
  });

  it('tells onFailed at once about a record appended unawaited after close', async () => {
    const { writer } = await openWriter();
    await writer.close();
    const failed: Error[] = [];
    writer.appendUnawaited(record('late'), {
      urgent: false,
      onFailed: (error) => failed.push(error),
    });
    expect(failed).toEqual([expect.objectContaining({ reason: 'the input log is closed' })]);
  });

  it('creates segment files readable by the owner only', async () => {
    const { writer } = await openWriter();
    await writer.append(record('private'), { urgent: true });
    expect((await stat(join(dir, segmentFileName(1)))).mode & 0o777).toBe(0o600);
  });
});
