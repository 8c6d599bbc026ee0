import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  elementaryCycles,
  folderOf,
  importedSpecifiers,
  projectGraph,
  showCycle,
} from './import-graph';
import type { Graph } from './import-graph';

const graph = (edges: Record<string, string[]>): Graph =>
  new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe(elementaryCycles.name, () => {
  it('finds nothing in a graph without cycles', () => {
    expect(elementaryCycles(graph({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('reports each cycle once, from its smallest node', () => {
    const cycles = elementaryCycles(graph({ a: ['b'], b: ['c', 'a'], c: ['a'] }));
    expect(cycles.map(showCycle).sort()).toEqual(['a → b → a', 'a → b → c → a']);
  });

  it('stops at its limit', () => {
    expect(elementaryCycles(graph({ a: ['b', 'c'], b: ['a'], c: ['a'] }), 1)).toHaveLength(1);
  });
});

describe(importedSpecifiers.name, () => {
  it('reads imports, type imports, re-exports, import() and require()', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export * from './c';",
      "const d = require('./d');",
      "void import('./e');",
      "const notAnImport = './f';",
    ].join('\n');
    expect(importedSpecifiers('x.ts', text)).toEqual(['./a', './b', './c', './d', './e']);
  });
});

describe(projectGraph.name, () => {
  let root: string;
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('draws folder edges from relative imports, ignoring specs and packages', () => {
    write('main.ts', "import { f } from './feature/feature.service';\nvoid f;");
    write('feature/feature.service.ts', "import { c } from '../core/c';\nexport const f = c;");
    write('feature/feature.service.spec.ts', "import { main } from '../main';");
    write('core/c.ts', "import { x } from '@nestjs/common';\nexport const c = x;");
    const { files, folders } = projectGraph(root);
    expect([...files.keys()].sort()).toEqual([
      'core/c.ts',
      'feature/feature.service.ts',
      'main.ts',
    ]);
    expect(folders).toEqual(graph({ '.': ['feature'], feature: ['core'], core: [] }));
    expect(elementaryCycles(folders)).toEqual([]);
  });

  it('sees a folder cycle that no file cycle shows', () => {
    write('a/one.ts', "import { two } from '../b/two';\nexport const one = two;");
    write('a/three.ts', 'export const three = 3;');
    write('b/two.ts', "import { three } from '../a/three';\nexport const two = three;");
    const { files, folders } = projectGraph(root);
    expect(elementaryCycles(files)).toEqual([]);
    expect(elementaryCycles(folders).map(showCycle)).toEqual(['a → b → a']);
  });
});

describe(folderOf.name, () => {
  it('names the first segment, or the root for its own files', () => {
    expect(folderOf('main.ts')).toBe('.');
    expect(folderOf('observability/openapi/x.ts')).toBe('observability');
  });
});
