/**
 * The bundles replace @nestjs/common's log-timestamp module with
 * tools/webpack/nest-log-timestamp.mjs (NestLogTimestampOnFirstUse in
 * tools/webpack/node-app.config.js), so that no process makes an
 * Intl.DateTimeFormat at start. These hold the stand-in to the module it
 * replaces: same request from the same importers, same export, same text.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoPath } from './support/repo';

const { NEST_LOG_TIMESTAMP_REQUEST } = createRequire(__filename)(
  repoPath('tools', 'webpack', 'node-app.config.js'),
) as { NEST_LOG_TIMESTAMP_REQUEST: string };

const nestServices = join(
  dirname(createRequire(repoPath('package.json')).resolve('@nestjs/common/package.json')),
  'services',
);
const nestModule = join(nestServices, NEST_LOG_TIMESTAMP_REQUEST);
const standIn = repoPath('tools', 'webpack', 'nest-log-timestamp.mjs');

interface ChildReport {
  madeOnImport: number;
  madeInAll: number;
  ours: string;
  nest: string;
}

/** Imports both modules in a fresh node, counting the Intl.DateTimeFormat objects made. */
function compareInChild(): ChildReport {
  const script = `
    let made = 0;
    Intl.DateTimeFormat = new Proxy(Intl.DateTimeFormat, {
      construct(target, args) { made++; return Reflect.construct(target, args); },
    });
    const ours = await import(${JSON.stringify(pathToFileURL(standIn).href)});
    const madeOnImport = made;
    const nest = await import(${JSON.stringify(pathToFileURL(nestModule).href)});
    let second, a, b;
    do {
      second = Math.floor(Date.now() / 1000);
      a = ours.formatLogTimestamp();
      b = nest.formatLogTimestamp();
    } while (Math.floor(Date.now() / 1000) !== second);
    console.log(JSON.stringify({ madeOnImport, madeInAll: made, ours: a, nest: b }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(out) as ChildReport;
}

describe("the bundles' stand-in for Nest's log-timestamp module", () => {
  it('replaces a module that @nestjs/common still has, imports by that name, and exports only formatLogTimestamp', () => {
    const nestSource = readFileSync(nestModule, 'utf8');
    expect(
      [...nestSource.matchAll(/^export\s+(?:function|const|let|class)\s+(\w+)/gm)].map((m) => m[1]),
    ).toEqual(['formatLogTimestamp']);
    expect(nestSource).not.toMatch(/^export\s*\{|^export\s+default/m);
    for (const importer of ['console-logger.service.js', 'logger.service.js']) {
      expect(readFileSync(join(nestServices, importer), 'utf8')).toContain(
        `from '${NEST_LOG_TIMESTAMP_REQUEST}'`,
      );
    }
  });

  it('makes no Intl.DateTimeFormat when loaded, and prints the same text as Nest when called', () => {
    const report = compareInChild();
    expect(report.madeOnImport).toBe(0);
    // Nest's made one on import, ours one on its first call.
    expect(report.madeInAll).toBe(2);
    expect(report.ours).toMatch(/\d/);
    expect(report.ours).toBe(report.nest);
  });
});
