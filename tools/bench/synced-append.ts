import { closeSync, constants, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The median time of one synced append on the disk under `dir`, µs: what the
 * input log pays before it may answer a request at 1 connection, when there is
 * no other request to share the sync with. The floors write nothing, so this is
 * the part of our latency that no code change removes. Same flags as the log's
 * segments (O_APPEND | O_DSYNC), a record-sized buffer; the file is removed.
 */
export function syncedAppendP50Us(dir: string, count = 200, bytes = 300): number {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `synced-append-${process.pid}-${Date.now()}`);
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC,
    0o600,
  );
  const buffer = Buffer.alloc(bytes, 0x61);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      writeSync(fd, buffer);
      times.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}
