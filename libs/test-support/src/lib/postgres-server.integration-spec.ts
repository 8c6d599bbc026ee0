import { PostgresServer } from './postgres-server';

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
});
