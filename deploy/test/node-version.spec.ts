/**
 * One Node line everywhere: what CI runs (.nvmrc, read by .ci/run), what
 * `npm` accepts (package.json engines) and what both images ship (the
 * Dockerfiles' NODE_IMAGE). A bump that misses one of them fails here.
 */
import { APPS, readRepoFile } from './support/repo';

/** The major of a `24.21.0` or `v24` version. */
function majorOf(version: string): number {
  const match = /^v?(\d+)(?:\.\d+){0,2}$/.exec(version.trim());
  if (!match) throw new Error(`not a Node version: ${JSON.stringify(version)}`);
  return Number(match[1]);
}

/** The majors an `engines.node` range of the form `>=24.11.0 <25` admits. */
function enginesMajors(range: string): number[] {
  const match = /^>=(\d+)\.\d+\.\d+ <(\d+)$/.exec(range.trim());
  if (!match)
    throw new Error(`engines.node must read ">=X.Y.Z <X+1", not ${JSON.stringify(range)}`);
  const from = Number(match[1]);
  const below = Number(match[2]);
  return Array.from({ length: below - from }, (_, i) => from + i);
}

/** The major of the image the Dockerfile's `ARG NODE_IMAGE=node:<major>…` default names. */
function dockerfileMajor(content: string): number {
  const match = /^ARG NODE_IMAGE=node:(\d+)[.\w-]*$/m.exec(content);
  if (!match) throw new Error('no `ARG NODE_IMAGE=node:<major>…` line');
  return Number(match[1]);
}

describe('the Node line', () => {
  const nvmrc = majorOf(readRepoFile('.nvmrc'));
  const pkg = JSON.parse(readRepoFile('package.json')) as { engines?: { node?: string } };

  it('.nvmrc pins an exact version of an LTS (even) line', () => {
    expect(readRepoFile('.nvmrc').trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(nvmrc % 2).toBe(0);
  });

  it('package.json engines admit exactly the .nvmrc line', () => {
    expect(enginesMajors(pkg.engines?.node ?? '')).toEqual([nvmrc]);
  });

  it.each(APPS)('apps/%s/Dockerfile ships the .nvmrc line', (app) => {
    expect(dockerfileMajor(readRepoFile('apps', app, 'Dockerfile'))).toBe(nvmrc);
  });

  it('.ci/run takes its Node from .nvmrc', () => {
    expect(readRepoFile('.ci', 'run')).toContain('.nvmrc');
  });

  it('the checks catch a disagreement', () => {
    expect(dockerfileMajor('ARG NODE_IMAGE=node:22-bookworm-slim\n')).toBe(22);
    expect(enginesMajors('>=22.11.0 <23')).toEqual([22]);
    expect(enginesMajors('>=22.11.0 <25')).toEqual([22, 23, 24]);
    expect(() => enginesMajors('>=20.11')).toThrow(/engines\.node/);
    expect(() => dockerfileMajor('FROM node:24\n')).toThrow(/NODE_IMAGE/);
    expect(majorOf('v24')).toBe(24);
  });
});
