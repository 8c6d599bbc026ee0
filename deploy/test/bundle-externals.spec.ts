/**
 * The bundles (tools/webpack/node-app.config.js) leave a few packages to
 * `require()` at run time. The images install node_modules with
 * `npm ci --omit=dev`, so each package the bundle needs must be one that
 * install keeps: in the lockfile and not dev-only. A package moved to
 * devDependencies, or an external added without its dependency, fails here
 * instead of at the container's first start.
 */
import { createRequire } from 'node:module';
import { readRepoFile, repoPath } from './support/repo';

interface NodeAppConfigModule {
  RUNTIME_DEPENDENCIES: string[];
  OPTIONAL_RUNTIME_PACKAGES: string[];
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
}

const config = createRequire(__filename)(
  repoPath('tools', 'webpack', 'node-app.config.js'),
) as NodeAppConfigModule;
const lock = JSON.parse(readRepoFile('package-lock.json')) as {
  packages: Record<string, LockEntry | undefined>;
};

describe('the packages the bundles require at run time', () => {
  it('names some, and none twice', () => {
    const all = [...config.RUNTIME_DEPENDENCIES, ...config.OPTIONAL_RUNTIME_PACKAGES];
    expect(config.RUNTIME_DEPENDENCIES).toContain('onnxruntime-node');
    expect(new Set(all).size).toBe(all.length);
  });

  it.each(config.RUNTIME_DEPENDENCIES)('%s is installed by npm ci --omit=dev', (name) => {
    const entry = lock.packages[`node_modules/${name}`];
    expect(entry).toBeDefined();
    expect(entry?.dev ?? false).toBe(false);
    expect(entry?.devOptional ?? false).toBe(false);
    expect(entry?.optional ?? false).toBe(false);
  });
});
