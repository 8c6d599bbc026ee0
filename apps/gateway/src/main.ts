import 'reflect-metadata';
import { exitOnShutdownSignals } from '@ml-system/server-core';
import { startGateway } from './bootstrap';

startGateway()
  .then(({ app }) => exitOnShutdownSignals(app))
  .catch((error: unknown) => {
    // A bad environment or a port in use: say why in one readable block, no stack.
    process.stderr.write(
      `gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
