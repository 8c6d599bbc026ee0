/**
 * The SQLite side of `SqliteLogStore`, run in a worker thread: node:sqlite's
 * DatabaseSync blocks the thread it runs on for every statement, and a
 * commit's fsync must not stall the gateway's event loop. The worker is
 * started from this function's source, so it stands alone: no imports.
 */
export function sqliteWorkerMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- the worker is evaluated from source and has no module scope to import into */
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
  /* eslint-enable @typescript-eslint/no-require-imports */
  type Row = { seq: number; id: string; body: string };
  type Request = { n: number; op: string; args: unknown[] };
  if (!parentPort) return;
  const port = parentPort;
  let db: InstanceType<typeof DatabaseSync> | null = null;
  const sql = (text: string) => {
    if (!db) throw new Error('the database is not open');
    return db.prepare(text);
  };
  const cache = new Map<string, ReturnType<typeof sql>>();
  const statement = (text: string) => {
    let prepared = cache.get(text);
    if (!prepared) {
      prepared = sql(text);
      cache.set(text, prepared);
    }
    return prepared;
  };
  const outcomeAfter = (id: string, seq: number) =>
    (
      statement(
        "SELECT body FROM records WHERE id = ? AND type = 'outcome' AND seq > ? ORDER BY seq DESC LIMIT 1",
      ).get(id, seq) as { body: string } | undefined
    )?.body ?? null;
  const bytes = () => {
    const pages = statement('PRAGMA page_count').get() as { page_count: number };
    const free = statement('PRAGMA freelist_count').get() as { freelist_count: number };
    const size = statement('PRAGMA page_size').get() as { page_size: number };
    return (pages.page_count - free.freelist_count) * size.page_size;
  };
  const ops: Record<string, (...args: never[]) => unknown> = {
    open: (path: string) => {
      db = new DatabaseSync(path);
      // WAL with synchronous=FULL: a commit returns after the WAL is fsynced.
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
      db.exec(
        `CREATE TABLE IF NOT EXISTS records (
           seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type TEXT NOT NULL,
           at TEXT NOT NULL, body TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS records_by_id ON records (id, type, seq);
         CREATE INDEX IF NOT EXISTS inputs_by_time ON records (at, id) WHERE type = 'input';`,
      );
      return null;
    },
    write: (rows: Array<[string, string, string, string]>) => {
      const insert = statement('INSERT INTO records (id, type, at, body) VALUES (?, ?, ?, ?)');
      sql('BEGIN IMMEDIATE').run();
      try {
        for (const row of rows) insert.run(...row);
        sql('COMMIT').run();
      } catch (error) {
        sql('ROLLBACK').run();
        throw error;
      }
      return null;
    },
    find: (id: string) => {
      const input = statement(
        "SELECT seq, body FROM records WHERE id = ? AND type = 'input' ORDER BY seq DESC LIMIT 1",
      ).get(id) as Row | undefined;
      return input ? [input.body, outcomeAfter(id, input.seq)] : null;
    },
    list: (limit: number, at: string | null, id: string | null) => {
      const rows = (
        at === null
          ? statement(
              "SELECT seq, id, body FROM records WHERE type = 'input' ORDER BY at DESC, id DESC LIMIT ?",
            ).all(limit)
          : statement(
              "SELECT seq, id, body FROM records WHERE type = 'input' AND (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT ?",
            ).all(at, id, limit)
      ) as Row[];
      return rows.map((row) => [row.body, outcomeAfter(row.id, row.seq)]);
    },
    readAfter: (seq: number, max: number) =>
      statement('SELECT seq, body FROM records WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, max),
    countAfter: (seq: number) =>
      (statement('SELECT count(*) AS n FROM records WHERE seq > ?').get(seq) as { n: number }).n,
    newestAfter: (seq: number, scan: number) =>
      (
        statement(
          "SELECT seq, id, body FROM records WHERE seq > ? AND type = 'input' ORDER BY seq DESC LIMIT ?",
        ).all(seq, scan) as Row[]
      ).map((row) => [row.body, outcomeAfter(row.id, row.seq)]),
    bytes,
    retain: (budget: number, hold: number, chunk: number) => {
      if (bytes() <= budget) return 0;
      return Number(
        statement(
          'DELETE FROM records WHERE seq IN (SELECT seq FROM records WHERE seq < ? ORDER BY seq LIMIT ?)',
        ).run(hold, chunk).changes,
      );
    },
    close: () => {
      db?.close();
      db = null;
      return null;
    },
  };
  port.on('message', (request: Request) => {
    try {
      const op = ops[request.op];
      if (!op) throw new Error(`unknown operation ${request.op}`);
      port.postMessage({ n: request.n, ok: true, value: op(...(request.args as never[])) });
    } catch (error) {
      port.postMessage({ n: request.n, ok: false, error: String(error) });
    }
  });
}
