import { NodeProcess } from '@ml-system/test-support';

/**
 * After each spec file: every process it started must be gone. One left
 * running is stopped here (so the run still ends) and fails the file by name.
 */
afterAll(async () => {
  const leaked = await NodeProcess.stopAllRunning();
  if (leaked.length > 0) {
    throw new Error(`processes left running by this spec file (now stopped): ${leaked.join(', ')}`);
  }
});
