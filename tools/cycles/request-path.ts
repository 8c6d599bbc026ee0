import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * How many of our own files a reader crosses to follow a forwarded `POST /process`: the
 * transitive imports (type-only ones included) of the gateway's process controller and the
 * predictor's RPC controller, own sources only (apps and libs, no specs). A named import from a
 * lib's barrel counts the file that declares the name, not the whole barrel.
 */
const workspace = join(__dirname, '..', '..');
const entries = [
  'apps/gateway/src/process/process.controller.ts',
  'apps/predictor/src/predict/predict.rpc-controller.ts',
].map((p) => join(workspace, p));

const config = ts.readConfigFile(join(workspace, 'tsconfig.base.json'), (p) => ts.sys.readFile(p));
const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, workspace);
const program = ts.createProgram(entries, { ...options, noEmit: true });
const checker = program.getTypeChecker();
const own = (f: string): boolean =>
  (f.startsWith(join(workspace, 'apps')) || f.startsWith(join(workspace, 'libs'))) &&
  !f.includes('node_modules');

const barrel = (f: string): boolean => /\/libs\/[^/]+\/src\/index\.ts$/.test(f);

function dependencies(file: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const declaringFile = (name: ts.Node): void => {
    const symbol = checker.getSymbolAtLocation(name);
    if (!symbol) return;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const d of target.declarations ?? []) out.add(d.getSourceFile().fileName);
  };
  for (const statement of file.statements) {
    if (
      !(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) ||
      !statement.moduleSpecifier ||
      !ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      continue;
    }
    const resolved = ts.resolveModuleName(
      statement.moduleSpecifier.text,
      file.fileName,
      options,
      ts.sys,
    ).resolvedModule?.resolvedFileName;
    if (!resolved || !own(resolved)) continue;
    const named = ts.isImportDeclaration(statement)
      ? statement.importClause?.namedBindings
      : statement.exportClause;
    if (barrel(resolved) && named && (ts.isNamedImports(named) || ts.isNamedExports(named))) {
      for (const element of named.elements) declaringFile(element.name);
    } else {
      out.add(resolved);
    }
  }
  return out;
}

const seen = new Set<string>();
const queue = [...entries];
while (queue.length > 0) {
  const next = queue.shift() as string;
  if (seen.has(next)) continue;
  seen.add(next);
  const source = program.getSourceFile(next);
  if (!source) continue;
  for (const dep of dependencies(source)) if (own(dep) && !seen.has(dep)) queue.push(dep);
}

const byFolder = new Map<string, number>();
for (const f of seen) {
  const folder = dirname(relative(workspace, f));
  byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
}
const inApps = [...seen].filter((f) => f.startsWith(join(workspace, 'apps'))).length;
console.log(`files a forwarded POST /process crosses: ${seen.size} (${inApps} in the apps)`);
for (const [folder, n] of [...byFolder].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${String(n).padStart(3)}  ${folder}`);
}
