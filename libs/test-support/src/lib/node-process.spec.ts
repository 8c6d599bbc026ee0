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

  it('with a log file, the output goes to the file and logs reads it back', async () => {
    const logFile = join(dir, 'chatty.log');
    writeFileSync(logFile, 'earlier run\n');
    const child = NodeProcess.start('chatty', script, {}, [], { logFile });
    try {
      await waitFor('both lines in the file', () =>
        readFileSync(logFile, 'utf8').includes('err line'),
      );
      expect(readFileSync(logFile, 'utf8')).toMatch(/^earlier run\n/);
      expect(child.logs).toContain('out line');
    } finally {
      await child.stop();
    }
  });
});
