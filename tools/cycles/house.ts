import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { elementaryCycles, projectGraph, showCycle } from './import-graph';
import type { Graph } from './import-graph';

/**
 * Cycles known and owned elsewhere, each with why it is still here. The check fails on any other
 * cycle, and on an entry here that no longer exists (so that this list only shrinks).
 */
export const KNOWN_CYCLES: Readonly<Record<string, string>> = {};

export interface ProjectReport {
  /** The source root, relative to the workspace. */
  name: string;
  files: number;
  folders: Graph;
  /** `<name>: folder cycle: a → b → a` or `<name>: file cycle: …`. */
  cycles: string[];
}

export interface HouseReport {
  projects: ProjectReport[];
  /** Cycles not in KNOWN_CYCLES. */
  unknown: string[];
  /** KNOWN_CYCLES entries that no longer exist. */
  gone: string[];
}

/** Every app's and lib's source root: a lib's folders are under src/lib (src/index.ts is its face). */
export function sourceRoots(workspace: string): string[] {
  const roots: string[] = [];
  for (const kind of ['apps', 'libs']) {
    for (const name of readdirSync(join(workspace, kind)).sort()) {
      const src = join(workspace, kind, name, 'src');
      const lib = join(src, 'lib');
      if (existsSync(lib)) roots.push(lib);
      else if (existsSync(src)) roots.push(src);
    }
  }
  return roots;
}

/** The import cycles, between folders and between files, of every project in the workspace. */
export function checkHouse(workspace: string, known = KNOWN_CYCLES): HouseReport {
  const projects = sourceRoots(workspace).map((root): ProjectReport => {
    const name = root.slice(workspace.length + 1);
    const graph = projectGraph(root);
    return {
      name,
      files: graph.files.size,
      folders: graph.folders,
      cycles: [
        ...elementaryCycles(graph.folders).map((c) => `${name}: folder cycle: ${showCycle(c)}`),
        ...elementaryCycles(graph.files).map((c) => `${name}: file cycle: ${showCycle(c)}`),
      ],
    };
  });
  const all = new Set(projects.flatMap((p) => p.cycles));
  return {
    projects,
    unknown: [...all].filter((c) => known[c] === undefined),
    gone: Object.keys(known).filter((c) => !all.has(c)),
  };
}
