import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Repository root: deploy/test/support → ../../.. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export const APPS = ['gateway', 'predictor'] as const;
export type AppName = (typeof APPS)[number];

export function isAppName(value: string): value is AppName {
  return (APPS as readonly string[]).includes(value);
}

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

export function readRepoFile(...segments: string[]): string {
  return readFileSync(repoPath(...segments), 'utf8');
}

export function repoFileExists(...segments: string[]): boolean {
  return existsSync(repoPath(...segments));
}

/** Repository-relative path with forward slashes, for messages. */
export function fromRoot(path: string): string {
  return relative(REPO_ROOT, path).split('\\').join('/');
}

/** Files under `dir` (absolute paths), recursively, whose name passes `keep`. */
export function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path, keep);
    return entry.isFile() && keep(entry.name) ? [path] : [];
  });
}

/** A plain object (a YAML mapping), as opposed to a list, a scalar or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
