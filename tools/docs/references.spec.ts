import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The written word points at what exists: no citation of a design document that is not in the
 * repository, and every `docs/<name>.md` (and `#section`) named in code, config or prose is there.
 */
const workspace = join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', 'tmp', 'coverage', '.nx', '.git', 'corpus', 'model']);
const TEXT = /\.(ts|js|mjs|json|ya?ml|md)$|(^|\/)Dockerfile$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIP.has(name)) return [];
    if (statSync(path).isDirectory()) return files(path);
    return TEXT.test(path) && !path.endsWith('openapi.json') ? [path] : [];
  });
}

const sources = ['apps', 'libs', 'tools', 'deploy', 'docs']
  .flatMap((d) => files(join(workspace, d)))
  .concat(['README.md', 'PERFORMANCE.md', 'compose.yaml'].map((f) => join(workspace, f)))
  .filter((f) => f !== __filename);

/** GitHub's anchor for a heading. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

const headings = (doc: string): Set<string> =>
  new Set([...readFileSync(doc, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1] ?? '')));

describe('references in the repository', () => {
  it('cite no design document outside the repository', () => {
    const citing = sources
      .map((f) => relative(workspace, f))
      .filter((f) =>
        /DESIGN(\.md)? ?§|deploy\/README\.md/.test(readFileSync(join(workspace, f), 'utf8')),
      );
    expect(citing).toEqual([]);
  });

  it('name only docs and sections that exist', () => {
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bdocs\/([a-z0-9-]+\.md)(#[a-z0-9-]+)?/g)) {
        const doc = join(workspace, 'docs', m[1] ?? '');
        const section = m[2]?.slice(1);
        if (!existsSync(doc)) missing.push(`${relative(workspace, file)}: ${m[0]}`);
        else if (section && !headings(doc).has(section))
          missing.push(`${relative(workspace, file)}: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('link, from one doc to another, only to docs and sections that exist', () => {
    const missing: string[] = [];
    for (const file of files(join(workspace, 'docs'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\]\(([a-z0-9-]+\.md)(#[a-z0-9-]+)?\)/g)) {
        const doc = join(workspace, 'docs', m[1] ?? '');
        const section = m[2]?.slice(1);
        if (!existsSync(doc) || (section && !headings(doc).has(section)))
          missing.push(`${relative(workspace, file)}: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
