import { readFileSync, readdirSync } from 'node:fs';

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
  return statFields(stat).ownMs;
}

interface StatFields {
  ppid: number;
  /** utime + stime, ms. */
  ownMs: number;
  /** cutime + cstime, ms: the children it has waited for, which /proc no longer lists. */
  reapedMs: number;
}

function statFields(stat: string): StatFields {
  const close = stat.lastIndexOf(')');
  // After ") ": field 3 (state) onwards; utime and stime are fields 14 and 15.
  const fields =
    close < 0
      ? []
      : stat
          .slice(close + 2)
          .trim()
          .split(/\s+/);
  const [ppid, user, system, childUser, childSystem] = [1, 11, 12, 13, 14].map((i) =>
    Number(fields[i]),
  );
  if (![ppid, user, system, childUser, childSystem].every(Number.isFinite)) {
    throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  }
  const ms = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
  return {
    ppid: Number(ppid),
    ownMs: ms(Number(user) + Number(system)),
    reapedMs: ms(Number(childUser) + Number(childSystem)),
  };
}

/**
 * CPU time of `root` and every process below it, ms, from the stat lines of
 * all processes (pid → text). A child that exited and was waited for counts
 * through its parent's reaped time, so a server's short-lived workers are
 * not missed. Lines that do not parse (a process gone mid-read) are skipped.
 */
export function treeCpuMsOfStats(stats: ReadonlyMap<number, string>, root: number): number {
  const parsed = new Map<number, StatFields>();
  const children = new Map<number, number[]>();
  for (const [pid, text] of stats) {
    let fields: StatFields;
    try {
      fields = statFields(text);
    } catch {
      continue;
    }
    parsed.set(pid, fields);
    children.set(fields.ppid, [...(children.get(fields.ppid) ?? []), pid]);
  }
  let total = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const fields = parsed.get(pid);
    if (!fields) continue;
    total += fields.ownMs + fields.reapedMs;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU time so far of a live process and all its descendants, ms (Linux /proc): e.g. a database server's backends. */
export function treeCpuMs(root: number): number {
  const stats = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.set(Number(name), readFileSync(`/proc/${name}/stat`, 'utf8'));
    } catch {
      // Exited since the listing.
    }
  }
  return treeCpuMsOfStats(stats, root);
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

/** A process's resident memory in two parts, MiB. */
export interface RssParts {
  /** Anonymous: V8's heap, malloc's arenas, stacks, array buffers: what the process made. */
  anonMiB: number;
  /** File-backed: pages of the node binary and shared libraries it touched (shared with other processes). */
  fileMiB: number;
}

/**
 * The anonymous and file-backed parts of the RSS in the text of
 * `/proc/<pid>/smaps_rollup` (Linux 4.14+).
 *
 * @throws Error when the text has no Rss or Anonymous line.
 */
export function rssPartsOfRollup(text: string): RssParts {
  const kb = (field: string): number => {
    const line = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!line?.[1]) throw new Error(`no ${field} line in /proc/<pid>/smaps_rollup`);
    return Number(line[1]);
  };
  const rss = kb('Rss');
  const anon = kb('Anonymous');
  return { anonMiB: anon / 1024, fileMiB: (rss - anon) / 1024 };
}

/** The anonymous and file-backed parts of a live process's RSS, MiB (Linux /proc). */
export function rssPartsMiB(pid: number): RssParts {
  return rssPartsOfRollup(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
}

/** Where a process's anonymous memory lies, MiB, sorted by mapping (see `anonPartsOfSmaps`). */
export interface AnonParts {
  /** glibc's main arena: the `[heap]` mapping that brk grows (the main thread's malloc). */
  mainArenaMiB: number;
  /** glibc's arenas of the other threads, largest first: each a 64 MiB-aligned heap. */
  threadArenasMiB: number[];
  /** The threads' stacks: each mapped just above a 4 KiB guard. */
  threadStacksMiB: number;
  /** Every other anonymous mapping: V8's heap pages and array buffers, large mallocs, the main stack. */
  otherMiB: number;
}

interface Mapping {
  start: number;
  perms: string;
  name: string;
  sizeKb: number;
  anonKb: number;
}

/** glibc's non-main arenas are heaps of HEAP_MAX_SIZE (64 MiB on 64-bit), aligned to it. */
const ARENA_HEAP_KB = 64 * 1024;

function mappingsOfSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ (\S+) \S+ \S+ \S+ *(.*)$/.exec(line);
    if (head) {
      current = {
        start: parseInt(head[1] ?? '0', 16),
        perms: head[2] ?? '',
        name: head[3] ?? '',
        sizeKb: 0,
        anonKb: 0,
      };
      mappings.push(current);
      continue;
    }
    const field = /^(Size|Anonymous):\s+(\d+) kB/.exec(line);
    if (field && current) {
      if (field[1] === 'Size') current.sizeKb = Number(field[2]);
      else current.anonKb = Number(field[2]);
    }
  }
  return mappings;
}

/**
 * The anonymous part of a process's RSS in the text of `/proc/<pid>/smaps`,
 * by what the mappings look like: glibc's main arena is `[heap]`; a thread's
 * arena is an unnamed read-write mapping at a 64 MiB boundary followed by
 * the unnamed `---p` rest of its 64 MiB reservation; a thread's stack is an
 * unnamed read-write mapping of at most 8 MiB just above a 4 KiB `---p`
 * guard. A heuristic for reading where memory went, not an accounting: V8
 * reserves its own regions differently, so they land in `otherMiB`.
 */
export function anonPartsOfSmaps(text: string): AnonParts {
  const mappings = mappingsOfSmaps(text);
  const parts: AnonParts = {
    mainArenaMiB: 0,
    threadArenasMiB: [],
    threadStacksMiB: 0,
    otherMiB: 0,
  };
  mappings.forEach((mapping, i) => {
    if (mapping.anonKb === 0) return;
    const mib = mapping.anonKb / 1024;
    if (mapping.name === '[heap]') {
      parts.mainArenaMiB += mib;
      return;
    }
    const next = mappings[i + 1];
    const previous = mappings[i - 1];
    const unnamed = (m: Mapping | undefined): m is Mapping => m !== undefined && m.name === '';
    const isArena =
      unnamed(mapping) &&
      mapping.start % (ARENA_HEAP_KB * 1024) === 0 &&
      unnamed(next) &&
      next.perms === '---p' &&
      next.start === mapping.start + mapping.sizeKb * 1024 &&
      mapping.sizeKb + next.sizeKb === ARENA_HEAP_KB;
    const isStack =
      unnamed(mapping) &&
      unnamed(previous) &&
      previous.perms === '---p' &&
      previous.sizeKb === 4 &&
      previous.start + 4096 === mapping.start &&
      mapping.sizeKb <= 8 * 1024;
    if (isArena) parts.threadArenasMiB.push(mib);
    else if (isStack) parts.threadStacksMiB += mib;
    else parts.otherMiB += mib;
  });
  parts.threadArenasMiB.sort((a, b) => b - a);
  return parts;
}

/** `anonPartsOfSmaps` of a live process (Linux /proc). */
export function anonPartsMiB(pid: number): AnonParts {
  return anonPartsOfSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
}
