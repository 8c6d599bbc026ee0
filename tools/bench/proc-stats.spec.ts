import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import {
  anonPartsMiB,
  anonPartsOfSmaps,
  cpuMs,
  cpuMsOfStat,
  rssMiB,
  rssPartsMiB,
  rssPartsOfRollup,
  treeCpuMs,
  treeCpuMsOfStats,
} from './proc-stats';

describe(cpuMsOfStat.name, () => {
  // A real line's shape: the command name holds a space and a parenthesis.
  const line = (utime: number, stime: number): string =>
    `4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 100 1000000 30000`;

  it('adds user and system ticks and turns them into milliseconds', () => {
    expect(cpuMsOfStat(line(150, 25))).toBe(1750);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => cpuMsOfStat('no such thing')).toThrow(/not a \/proc/);
  });

  it('reads this very process, which has used some CPU and some memory', () => {
    const before = cpuMs(process.pid);
    let spin = 0;
    const until = Date.now() + 60;
    while (Date.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    expect(cpuMs(process.pid)).toBeGreaterThan(before);
    expect(rssMiB(process.pid)).toBeGreaterThan(10);
  });
});

describe(treeCpuMsOfStats.name, () => {
  const stat = (pid: number, ppid: number, own: number, reaped = 0): string =>
    `${pid} (postgres) S ${ppid} ${pid} ${pid} 0 -1 0 0 0 0 0 ${own} 0 ${reaped} 0 20 0 1 0 100 1000 300`;

  it('adds a root, its descendants and the children they reaped, and nothing else', () => {
    const stats = new Map([
      [10, stat(10, 1, 100, 40)],
      [11, stat(11, 10, 20)],
      [12, stat(12, 11, 5)],
      [20, stat(20, 1, 999)],
      [21, 'gone mid-read'],
    ]);
    // Ticks of 10 ms: (100 + 40 + 20 + 5) ticks.
    expect(treeCpuMsOfStats(stats, 10)).toBe(1650);
    expect(treeCpuMsOfStats(stats, 11)).toBe(250);
    expect(treeCpuMsOfStats(stats, 99)).toBe(0);
  });

  it("reads a live tree: a spinning child's CPU counts towards its parent's tree", async () => {
    const child = spawn(process.execPath, [
      '-e',
      // Spins until it has used 300 ms of CPU however busy the machine is, then idles.
      'while (process.cpuUsage().user < 300_000); console.log("spun"); setTimeout(() => {}, 30_000);',
    ]);
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      expect(treeCpuMs(process.pid) - cpuMs(process.pid)).toBeGreaterThanOrEqual(250);
    } finally {
      child.kill();
    }
  });
});

describe(rssPartsOfRollup.name, () => {
  const rollup = (rss: number, anon: number): string =>
    [
      '00400000-7ffd4d3f2000 ---p 00000000 00:00 0                          [rollup]',
      `Rss:              ${rss} kB`,
      'Pss:              120000 kB',
      'Pss_Anon:          70000 kB',
      `Anonymous:        ${anon} kB`,
      'Swap:                  0 kB',
    ].join('\n');

  it('splits the RSS into anonymous and file-backed MiB', () => {
    expect(rssPartsOfRollup(rollup(163840, 110592))).toEqual({ anonMiB: 108, fileMiB: 52 });
  });

  it('refuses text without the two lines', () => {
    expect(() => rssPartsOfRollup('Rss: 10 kB')).toThrow(/no Anonymous line/);
  });

  it('reads this very process: both parts there, adding up to about its RSS', () => {
    const { anonMiB, fileMiB } = rssPartsMiB(process.pid);
    expect(anonMiB).toBeGreaterThan(1);
    expect(fileMiB).toBeGreaterThan(1);
    // Two files read a moment apart, while the collector's threads move
    // memory: the closest of five tries must agree.
    const gaps = Array.from({ length: 5 }, () => {
      const parts = rssPartsMiB(process.pid);
      return Math.abs(parts.anonMiB + parts.fileMiB - rssMiB(process.pid));
    });
    expect(Math.min(...gaps)).toBeLessThan(4);
  });
});

describe(anonPartsOfSmaps.name, () => {
  /** One mapping of an smaps text: start and size in KiB, resident anonymous KiB. */
  const mapping = (
    startHex: string,
    sizeKb: number,
    perms: string,
    anonKb: number,
    name = '',
  ): string => {
    const start = BigInt(`0x${startHex}`);
    const end = start + BigInt(sizeKb * 1024);
    return [
      `${startHex}-${end.toString(16)} ${perms} 00000000 00:00 0                          ${name}`.trimEnd(),
      `Size:           ${sizeKb} kB`,
      `Rss:            ${anonKb} kB`,
      `Anonymous:      ${anonKb} kB`,
      'VmFlags: rd wr mr mw me ac',
    ].join('\n');
  };
  const MiB = 1024;
  const text = [
    mapping('55d0c0000000', 30 * MiB, 'rw-p', 21 * MiB, '[heap]'),
    // A thread's arena: the used part, then the rest of its 64 MiB reservation.
    mapping('7f0000000000', 12 * MiB, 'rw-p', 10 * MiB),
    mapping('7f0000c00000', 52 * MiB, '---p', 0),
    mapping('7f0004000000', 1 * MiB, 'rw-p', 1 * MiB),
    mapping('7f0004100000', 63 * MiB, '---p', 0),
    // A thread's stack above its guard page.
    mapping('7f0010000000', 4, '---p', 0),
    mapping('7f0010001000', 8 * MiB, 'rw-p', 256),
    // V8's pages: not at a 64 MiB boundary, no reservation after them.
    mapping('7f0020040000', 16 * MiB, 'rw-p', 16 * MiB),
    // A named file's private pages, and an unnamed mapping at a boundary whose reservation is not 64 MiB.
    mapping('7f0030000000', 1 * MiB, 'rw-p', 512, '/usr/bin/node'),
    mapping('7f0040000000', 2 * MiB, 'rw-p', 2 * MiB),
    mapping('7f0040200000', 2 * MiB, '---p', 0),
    mapping('7ffd00000000', 132, 'rw-p', 100, '[stack]'),
    '',
  ].join('\n');

  it("sorts anonymous memory into the main arena, the threads' arenas and stacks, and the rest", () => {
    expect(anonPartsOfSmaps(text)).toEqual({
      mainArenaMiB: 21,
      threadArenasMiB: [10, 1],
      threadStacksMiB: 0.25,
      otherMiB: 16 + 0.5 + 2 + 100 / 1024,
    });
  });

  it('reads nothing from text that is not smaps', () => {
    expect(anonPartsOfSmaps('no such thing')).toEqual({
      mainArenaMiB: 0,
      threadArenasMiB: [],
      threadStacksMiB: 0,
      otherMiB: 0,
    });
  });

  it('reads this very process: every anonymous page of its smaps lands in exactly one part', () => {
    // One reading of one file. Comparing against smaps_rollup read a moment
    // later flaked in CI (11 MiB apart): the collector's threads move memory
    // between the two reads on a busy machine.
    const text = readFileSync(`/proc/${process.pid}/smaps`, 'utf8');
    const anonMiB =
      [...text.matchAll(/^Anonymous:\s+(\d+) kB/gm)].reduce((kb, m) => kb + Number(m[1]), 0) / 1024;
    const parts = anonPartsOfSmaps(text);
    const sum =
      parts.mainArenaMiB +
      parts.threadArenasMiB.reduce((a, b) => a + b, 0) +
      parts.threadStacksMiB +
      parts.otherMiB;
    expect(anonMiB).toBeGreaterThan(1);
    expect(parts.otherMiB).toBeGreaterThan(1);
    expect(sum).toBeCloseTo(anonMiB, 6);
    expect(anonPartsMiB(process.pid).otherMiB).toBeGreaterThan(1);
  });
});
