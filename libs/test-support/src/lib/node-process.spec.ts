import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess } from './node-process';
import { waitFor } from './wait-for';

describe(NodeProcess.name, () => {
  let dir: string;
  let script: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'node-process-'));
    script = join(dir, 'chatty.js');
    // Prints on both streams, then stays up until it is stopped.
    writeFileSync(
      script,
      "process.stdout.write('out line\\n'); process.stderr.write('err line\\n'); setInterval(() => {}, 1000);",
    );
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects the output through pipes by default', async () => {
    const child = NodeProcess.start('chatty', script, {});
    try {
      await waitFor(
        'both lines',
        () => child.logs.includes('out line') && child.logs.includes('err line'),
      );
    } finally {
      expect(await child.stop()).toBe(null);
    }
  });

  it('with a log file, the output goes to the file and logs reads back only this run', async () => {
    const logFile = join(dir, 'chatty.log');
    writeFileSync(logFile, 'earlier run\n');
    const child = NodeProcess.start('chatty', script, {}, [], { logFile });
    try {
      await waitFor('both lines in the file', () =>
        readFileSync(logFile, 'utf8').includes('err line'),
      );
      expect(readFileSync(logFile, 'utf8')).toMatch(/^earlier run\n/);
      expect(child.logs).toContain('out line');
      expect(child.logs).not.toContain('earlier run');
    } finally {
      await child.stop();
    }
  });

  it('gives up waiting at once when the process exits before it answers', async () => {
    const failing = join(dir, 'failing.js');
    writeFileSync(failing, "process.stderr.write('no config\\n'); process.exit(3);");
    const child = NodeProcess.start('failing', failing, {});
    const started = Date.now();
    await expect(child.waitForHttp('http://127.0.0.1:9/never', 10_000)).rejects.toThrow(
      /failing exited \(code 3\)[\s\S]*no config/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops and names the processes still running, and only those', async () => {
    const done = NodeProcess.start('done', join(dir, 'missing-is-fine.js'), {});
    await done.exit();
    const left = NodeProcess.start('left behind', script, {});
    await waitFor('it to print', () => left.logs.includes('out line'));
    expect(await NodeProcess.stopAllRunning()).toEqual([`left behind (pid ${left.pid})`]);
    expect(left.running).toBe(false);
    expect(await NodeProcess.stopAllRunning()).toEqual([]);
  });
});
