import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseEndpoints,
  parseEndpointsFile,
  readEndpointsFile,
  reloadEndpointsFile,
} from './predictor-endpoints';

describe('parseEndpoints', () => {
  it('splits names, IPv4 and bracketed IPv6', () => {
    expect(parseEndpoints('predictor:8877, 10.0.0.2:9000,[::1]:8877')).toEqual([
      { host: 'predictor', port: 8877 },
      { host: '10.0.0.2', port: 9000 },
      { host: '::1', port: 8877 },
    ]);
  });
});

describe(parseEndpointsFile.name, () => {
  it('reads comma- and line-separated entries, with comments', () => {
    expect(
      parseEndpointsFile(
        '# predictors\n10.0.0.1:8877, 10.0.0.2:8877\npredictor-3:9000  # spare\n\n',
      ),
    ).toEqual([
      { host: '10.0.0.1', port: 8877 },
      { host: '10.0.0.2', port: 8877 },
      { host: 'predictor-3', port: 9000 },
    ]);
  });

  it.each([
    ['an entry without a port', '10.0.0.1', /"10\.0\.0\.1" is not host:port/],
    ['no entry at all', '# nothing yet\n', /lists no endpoint/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseEndpointsFile(text)).toThrow(message);
  });
});

describe('PREDICTOR_ENDPOINTS_FILE on disk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'endpoints-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['at boot', (path: string) => Promise.resolve().then(() => readEndpointsFile(path))],
    ['on reload', reloadEndpointsFile],
  ])('%s: reads it, and names the variable and the path when it cannot', async (_when, read) => {
    const good = join(dir, 'good');
    writeFileSync(good, '10.0.0.1:8877\n');
    await expect(read(good)).resolves.toEqual([{ host: '10.0.0.1', port: 8877 }]);
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'predictor-1\n');
    await expect(read(bad)).rejects.toThrow(
      `PREDICTOR_ENDPOINTS_FILE=${bad}: "predictor-1" is not host:port`,
    );
    const missing = join(dir, 'missing');
    await expect(read(missing)).rejects.toThrow(
      `PREDICTOR_ENDPOINTS_FILE=${missing}: cannot read the file (ENOENT)`,
    );
  });
});
