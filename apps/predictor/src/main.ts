import 'reflect-metadata';
import { exitOnShutdownSignals } from '@ml-system/server-core';
import { startPredictor } from './bootstrap';

startPredictor()
  .then(({ app }) => exitOnShutdownSignals(app))
  .catch((error: unknown) => {
    // A bad environment or a missing model: say why in one readable block, no stack.
    process.stderr.write(
      `predictor failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
