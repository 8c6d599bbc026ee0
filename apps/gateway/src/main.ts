import 'reflect-metadata';
import { startGateway } from './bootstrap';

startGateway().catch((error: unknown) => {
  // A bad environment or a port in use: say why in one readable block, no stack.
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
