// @ts-check
const { dirname } = require('node:path');

/**
 * Adds `test-unit` (in-process `*.spec.ts`) and `test-integration` (`*.integration-spec.ts`:
 * real sockets or processes) beside the `test` target that @nx/jest infers, which runs both.
 * The e2e project has its own `test` and neither kind.
 */
const INTEGRATION = '\\.integration-spec\\.ts$';

/** @type {import('@nx/devkit').CreateNodesV2} */
exports.createNodesV2 = [
  '**/jest.config.ts',
  (configFiles) =>
    configFiles
      .filter((file) => !file.startsWith('apps/gateway-e2e/'))
      .map((file) => {
        const root = dirname(file);
        const run = (args) => ({
          executor: 'nx:run-commands',
          cache: true,
          inputs: ['default', '^production', '{workspaceRoot}/jest.preset.js'],
          options: {
            command: `jest --config ${file} ${args}`,
            cwd: '{workspaceRoot}',
          },
        });
        return [
          file,
          {
            projects: {
              [root]: {
                targets: {
                  'test-unit': run(`--testPathIgnorePatterns '${INTEGRATION}' --passWithNoTests`),
                  'test-integration': run(`--testPathPatterns '${INTEGRATION}' --passWithNoTests`),
                },
              },
            },
          },
        ];
      }),
];
