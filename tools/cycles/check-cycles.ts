import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KNOWN_CYCLES, checkHouse } from './house';

/**
 * Fails when any project's sources import in a cycle, between folders or between files (see
 * house.ts for the known ones). A folder cycle means two features each need the other: neither
 * can be read, tested or moved alone. `--graph` also prints each app's folder-level import graph.
 */
const { values } = parseArgs({ options: { graph: { type: 'boolean', default: false } } });

const report = checkHouse(join(__dirname, '..', '..'));
for (const project of report.projects) {
  const folderCycles = project.cycles.filter((c) => c.includes(': folder cycle: ')).length;
  console.log(
    `${project.name}: ${project.files} files, ${project.folders.size} folders; ` +
      `folder cycles ${folderCycles}, file cycles ${project.cycles.length - folderCycles}`,
  );
  if (values.graph && project.name.startsWith('apps/')) {
    for (const [from, to] of [...project.folders].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`  ${from} → ${[...to].sort().join(', ') || '(nothing)'}`);
    }
  }
  for (const cycle of project.cycles) {
    const known = KNOWN_CYCLES[cycle];
    const shown = cycle.slice(project.name.length + 2);
    console.log(known === undefined ? `  ${shown}` : `  known: ${shown} (${known})`);
  }
}
for (const line of report.gone) {
  console.error(`gone, remove it from KNOWN_CYCLES in tools/cycles/house.ts: ${line}`);
}
const failures = report.unknown.length + report.gone.length;
if (failures > 0) {
  console.error(`import cycles: ${failures}`);
  process.exitCode = 1;
}
