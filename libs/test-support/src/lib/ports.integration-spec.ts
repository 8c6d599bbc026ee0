import { createServer } from 'node:net';
import { freePort } from './ports';
import { waitFor } from './wait-for';

describe(freePort.name, () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe(waitFor.name, () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor('three calls', () => ++calls >= 3 && calls)).resolves.toBe(3);
  });

  it('names what never happened when it times out', async () => {
    await expect(waitFor('the moon', () => false, { timeoutMs: 50 })).rejects.toThrow(
      'waiting for the moon',
    );
  });
});
