import { readdirSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import * as ts from 'typescript';

/** A project's production sources: specs and jest configs are not part of the house. */
const SPEC = /\.(spec|integration-spec|e2e-spec)\.ts$/;

/** Directed graph: node → the nodes it imports. */
export type Graph = Map<string, Set<string>>;

export interface ProjectGraph {
  /** Files, relative to the project's source root, posix separators. */
  files: Graph;
  /** Folders (first path segment under the source root; `.` for the root's own files). */
  folders: Graph;
}

/** Every production `.ts` file under `dir`, absolute paths, sorted. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !SPEC.test(name)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/**
 * The module specifiers a file names: static imports and re-exports (type-only ones too: a type
 * import is still a dependency a reader follows), `import()` and `require()` with a literal.
 */
export function importedSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The folder a file belongs to: its first segment under the root (`.` for the root's own). */
export function folderOf(relPath: string): string {
  const parts = relPath.split('/');
  return parts.length === 1 ? '.' : parts[0];
}

/**
 * The import graph of one project's sources, inside the project only: a relative import that
 * resolves to another production file under `root`. Library aliases leave the project and are
 * the module-boundary lint rule's business, not this one's.
 */
export function projectGraph(
  root: string,
  readFile: (path: string) => string = (p) => ts.sys.readFile(p) ?? '',
): ProjectGraph {
  const files = sourceFiles(root);
  const known = new Set(files);
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const rel = (abs: string): string => relative(root, abs).split(sep).join(posix.sep);
  const fileGraph: Graph = new Map();
  const folderGraph: Graph = new Map();
  for (const file of files) {
    const from = rel(file);
    const edges = fileGraph.get(from) ?? new Set<string>();
    fileGraph.set(from, edges);
    const fromFolder = folderOf(from);
    if (!folderGraph.has(fromFolder)) folderGraph.set(fromFolder, new Set());
    for (const spec of importedSpecifiers(file, readFile(file))) {
      if (!spec.startsWith('.')) continue;
      const resolved = ts.resolveModuleName(spec, file, options, ts.sys).resolvedModule;
      if (!resolved || !known.has(resolved.resolvedFileName)) continue;
      const to = rel(resolved.resolvedFileName);
      edges.add(to);
      const toFolder = folderOf(to);
      if (toFolder !== fromFolder) folderGraph.get(fromFolder)?.add(toFolder);
    }
  }
  return { files: fileGraph, folders: folderGraph };
}

/** Every elementary cycle, each as its node list starting at its smallest node, up to `limit`. */
export function elementaryCycles(graph: Graph, limit = 10_000): string[][] {
  const nodes = [...graph.keys()].sort();
  const cycles: string[][] = [];
  // A cycle is reported once, from its smallest node: the search from `start` only visits larger ones.
  for (const start of nodes) {
    const path: string[] = [start];
    const onPath = new Set<string>([start]);
    const walk = (node: string): void => {
      for (const next of [...(graph.get(node) ?? [])].sort()) {
        if (cycles.length >= limit) return;
        if (next === start) cycles.push([...path]);
        else if (next > start && !onPath.has(next)) {
          path.push(next);
          onPath.add(next);
          walk(next);
          path.pop();
          onPath.delete(next);
        }
      }
    };
    walk(start);
  }
  return cycles;
}

/** Renders a cycle as `a → b → a`. */
export function showCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]].join(' → ');
}
