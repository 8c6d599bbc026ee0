import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncedAppendP50Us } from './synced-append';

describe(syncedAppendP50Us.name, () => {
  it('times synced appends on the given disk and leaves no file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synced-append-'));
    try {
      const p50 = syncedAppendP50Us(dir, 20);
      expect(Number.isFinite(p50)).toBe(true);
      expect(p50).toBeGreaterThan(0);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
