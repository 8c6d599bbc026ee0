import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';
import { waitFor } from './wait-for';

const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory (Debian: /usr/lib/postgresql/<version>/bin). */
function serverBinaries(): string {
  const versions = existsSync(POSTGRES_ROOT)
    ? readdirSync(POSTGRES_ROOT)
        .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest)
    throw new Error(
      `no PostgreSQL server found under ${POSTGRES_ROOT}/<version>/bin: these tests need a real ` +
        "one. Install Debian's package: apt-get install -y postgresql (.ci/run does)",
    );
  return join(POSTGRES_ROOT, newest, 'bin');
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
}

function ownedByServerUser(path: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(path, uid, gid);
}

export interface PostgresServerOptions {
  /** PEM files of the server's certificate and key: TLS on (plain connections are still taken). */
  tls?: { cert: string; key: string };
}

/**
 * A private PostgreSQL server for a test: a fresh cluster in a temp folder,
 * listening on a free port of 127.0.0.1 (its unix socket inside the folder),
 * stopped by its PID and removed by `dispose()`. It can be stopped and
 * started again on the same data and port, as an outage would.
 */
export class PostgresServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly settings: string[] = [],
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication: local tests only). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /**
   * initdb, then start and wait until it answers.
   * @throws when the server binaries are missing (the message says how to install them).
   */
  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const bin = serverBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
    const settings: string[] = [];
    if (options.tls) {
      // The server reads its key only if no one else can: copies owned by the server's user, mode 0600.
      for (const [name, from] of [
        ['server.crt', options.tls.cert],
        ['server.key', options.tls.key],
      ] as const) {
        copyFileSync(from, join(dir, name));
        chmodSync(join(dir, name), 0o600);
        ownedByServerUser(join(dir, name));
      }
      settings.push(
        'ssl=on',
        `ssl_cert_file=${join(dir, 'server.crt')}`,
        `ssl_key_file=${join(dir, 'server.key')}`,
      );
    }
    const server = new PostgresServer(bin, dir, await freePort(), settings);
    try {
      ownedByServerUser(dir);
      mkdirSync(join(dir, 'socket'));
      ownedByServerUser(join(dir, 'socket'));
      const [command, args] = asServerUser(join(bin, 'initdb'), [
        '-D',
        join(dir, 'data'),
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-locale',
        '--no-sync',
      ]);
      execFileSync(command, args, { stdio: 'pipe', timeout: 60_000 });
      await server.resume();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** Starts the server (again) on the same data and port, and waits until it takes queries. */
  async resume(): Promise<void> {
    if (this.child) return;
    const [command, args] = asServerUser(join(this.bin, 'postgres'), [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-k',
      join(this.dir, 'socket'),
      '-c',
      'listen_addresses=127.0.0.1',
      // A test server: durability against power loss is not what is tested here.
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      ...this.settings.flatMap((setting) => ['-c', setting]),
    ]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const append = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-50_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(
      `PostgreSQL on 127.0.0.1:${this.port} to take queries`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`PostgreSQL exited: ${this.output}`);
        const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  /** Stops the server (fast shutdown: open sessions are ended) by the postmaster's PID, and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const pid = this.postmasterPid() ?? child.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // Gone already.
      }
    }
    await this.exited;
    this.child = null;
  }

  /** Stops the server and removes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs one statement on a short-lived connection. */
  async query<T extends Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** The running server's own PID (the postmaster; its backends are its children), from its pid file. */
  postmasterPid(): number | undefined {
    try {
      const pid = Number(
        readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}
