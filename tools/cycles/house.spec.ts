import { join } from 'node:path';
import { checkHouse } from './house';

/** The workspace's own sources: `npm test` fails on an import cycle, as `nx run tools:cycles` does. */
describe(checkHouse.name, () => {
  const report = checkHouse(join(__dirname, '..', '..'));

  it('finds no import cycle between folders or files beyond the known ones', () => {
    expect(report.unknown).toEqual([]);
  });

  it('lists no known cycle that is gone', () => {
    expect(report.gone).toEqual([]);
  });

  it('sees both apps and their folders', () => {
    const gateway = report.projects.find((p) => p.name === 'apps/gateway/src');
    expect(gateway?.folders.has('predictor-client')).toBe(true);
    expect(report.projects.some((p) => p.name === 'apps/predictor/src')).toBe(true);
  });
});
