import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now. Tests never use fixed ports, so
 * several runs (and the user's own services) can share the machine.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
