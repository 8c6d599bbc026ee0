import { Client } from 'pg';
import { PostgresServer } from './postgres-server';
import { createTestPki } from './test-pki';

describe(PostgresServer.name, () => {
  let server: PostgresServer | undefined;

  afterAll(async () => {
    await server?.dispose();
  });

  it('runs a private server that takes queries, stops, starts again on its data, and is removed', async () => {
    server = await PostgresServer.start();
    await server.query('CREATE TABLE kept (n int)');
    await server.query('INSERT INTO kept VALUES (7)');
    await server.stop();
    await expect(server.query('SELECT 1')).rejects.toThrow();
    await server.resume();
    expect(await server.query('SELECT n FROM kept')).toEqual([{ n: 7 }]);
    const dir = server.dir;
    await server.dispose();
    server = undefined;
    const { existsSync } = await import('node:fs');
    expect(existsSync(dir)).toBe(false);
  }, 90_000);

  it('takes TLS connections with the certificate it is given', async () => {
    const pki = createTestPki();
    const tls = await PostgresServer.start({ tls: { cert: pki.server.cert, key: pki.server.key } });
    try {
      const { readFileSync } = await import('node:fs');
      const client = new Client({
        connectionString: tls.url,
        ssl: { ca: readFileSync(pki.server.ca, 'utf8'), rejectUnauthorized: true },
      });
      await client.connect();
      try {
        const { rows } = await client.query<{ ssl: boolean }>(
          'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        );
        expect(rows).toEqual([{ ssl: true }]);
      } finally {
        await client.end();
      }
    } finally {
      await tls.dispose();
      pki.cleanup();
    }
  }, 90_000);
});
