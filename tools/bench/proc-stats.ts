import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) from the text of `/proc/<pid>/stat`,
 * in milliseconds. The command name (field 2) may hold spaces and
 * parentheses, so the fields are counted from the last ')'.
 *
 * @throws Error when the text is not a stat line.
 */
export function cpuMsOfStat(stat: string): number {
  const close = stat.lastIndexOf(')');
  // After ") ": field 3 (state) onwards; utime and stime are fields 14 and 15.
  const fields =
    close < 0
      ? []
      : stat
          .slice(close + 2)
          .trim()
          .split(/\s+/);
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) {
    throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  }
  return ((user + system) * 1000) / TICKS_PER_SECOND;
}

/** CPU time a live process has used so far, ms (Linux /proc). */
export function cpuMs(pid: number): number {
  return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Resident set size of a live process, MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line?.[1] ? Math.round(Number(line[1]) / 1024) : Number.NaN;
}
