import { cpuMs, cpuMsOfStat, rssMiB } from './proc-stats';

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
