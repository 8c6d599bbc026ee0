import { join } from 'node:path';
import { InputLogUnavailableError, errnoCode, errorMessage } from '../input-log.errors';
import type { LogFs } from './log-fs';
import { segmentsBeyondRetention } from './segment-writer';
import type { LogSink, RecordLocation, SegmentInfo } from './segment-writer';
import { parseSegmentFileName, scanSegment, segmentFileName } from './segment-file';
import type { ScanReport } from './segment-file';

export interface RecoveryOptions {
  dir: string;
  fs: LogFs;
  logger: LogSink;
  segmentBytes: number;
  retentionBytes: number;
  /** Checked between segments: a shutdown does not wait for a long scan to finish. */
  aborted?: () => boolean;
  /** Segments from this sequence on are kept whatever retention says. */
  keepFromSeq?: () => number;
}

function describeDamage(report: ScanReport): string {
  const shown = report.damaged
    .slice(0, 5)
    .map((range) => `${range.reason} at ${range.offset} (${range.length} bytes)`)
    .join(', ');
  return report.damaged.length > 5 ? `${shown} and ${report.damaged.length - 5} more` : shown;
}

/** Segments on disk, oldest first, after deleting those beyond retention (so boot never indexes them). */
async function listSegments(options: RecoveryOptions): Promise<SegmentInfo[]> {
  const { fs, dir } = options;
  const seqs = (await fs.readdir(dir))
    .map((name) => parseSegmentFileName(name))
    .filter((seq): seq is number => seq !== null)
    .sort((a, b) => a - b);
  const segments: SegmentInfo[] = [];
  for (const seq of seqs)
    segments.push({ seq, size: (await fs.stat(join(dir, segmentFileName(seq)))).size });
  const doomed = segmentsBeyondRetention(
    segments,
    options.segmentBytes,
    options.retentionBytes,
    options.keepFromSeq?.(),
  );
  for (const segment of doomed) {
    await fs.unlink(join(dir, segmentFileName(segment.seq))).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
  }
  return segments.slice(doomed.length);
}

/**
 * Makes the directory ready (created 0700) and replays every segment within
 * retention, oldest first, through `onRecord`. Damaged records are skipped
 * with one warning per segment. A torn tail of the newest segment (a crash
 * mid-batch: nothing in it was acknowledged, since acknowledgement waits for
 * the fsync) is truncated away, so that appending resumes on a record boundary.
 * @returns the segments with their sizes, for the writer to resume from.
 * @throws the file system's error when the directory cannot be prepared or read;
 *   InputLogUnavailableError when aborted.
 */
export async function recoverSegments(
  options: RecoveryOptions,
  onRecord: (value: unknown, location: RecordLocation) => void,
): Promise<SegmentInfo[]> {
  const { fs, dir, logger } = options;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory as it was; the log is private either way.
  await fs.chmod(dir, 0o700).catch((error: unknown) => {
    logger.warn(`could not restrict ${dir} to mode 0700: ${errorMessage(error)}`);
  });
  const segments = await listSegments(options);
  for (const [i, segment] of segments.entries()) {
    if (options.aborted?.()) throw new InputLogUnavailableError('the input log is closed');
    const newest = i === segments.length - 1;
    const handle = await fs.open(join(dir, segmentFileName(segment.seq)), newest ? 'r+' : 'r');
    try {
      const report = await scanSegment(handle, (value, offset, length) =>
        onRecord(value, { seq: segment.seq, offset, length }),
      );
      segment.size = report.size;
      segment.records = report.records;
      if (report.damaged.length === 0) continue;
      const truncate = newest && report.validEnd < report.size;
      logger.warn(
        `${segmentFileName(segment.seq)}: skipped damaged records (${describeDamage(report)})` +
          (truncate ? `; truncated the torn tail at offset ${report.validEnd}` : ''),
      );
      if (truncate) {
        await handle.truncate(report.validEnd);
        await handle.sync();
        segment.size = report.validEnd;
      }
    } finally {
      await handle.close();
    }
  }
  return segments;
}
