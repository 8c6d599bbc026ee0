import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { waitFor } from './wait-for';

export interface NodeProcessOptions {
  /**
   * Send stdout and stderr straight to this file (appended) instead of
   * through pipes to this process. For load runs: the output of a service
   * that logs every request would otherwise be read, and kept, by the process
   * that drives the load, and a full pipe would stall the service.
   */
  logFile?: string;
}

/** How much of its output `logs` returns: the end is what explains a failure. */
const LOG_TAIL_CHARS = 200_000;

/** A service started as a real process by a test, stopped by its PID. */
export class NodeProcess {
  /** Every process started here and not yet exited: what a test left behind. */
  private static readonly live = new Set<NodeProcess>();
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly logFile?: { path: string; from: number },
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.append(chunk));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        NodeProcess.live.delete(this);
        resolve(code);
      }),
    );
    if (this.running) NodeProcess.live.add(this);
  }

  /**
   * Stops every process started here that is still running and names them. A
   * leaked child keeps the test runner's event loop alive, so a run would hang
   * after its last test instead of ending.
   */
  static async stopAllRunning(): Promise<string[]> {
    const leaked = [...NodeProcess.live];
    await Promise.all(leaked.map((p) => p.stop()));
    return leaked.map((p) => `${p.name} (pid ${p.pid})`);
  }

  /** Starts `node [nodeArgs] <script>` with `env` added to the current environment. */
  static start(
    name: string,
    script: string,
    env: Record<string, string>,
    nodeArgs: readonly string[] = [],
    options: NodeProcessOptions = {},
  ): NodeProcess {
    const { logFile } = options;
    const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, [...nodeArgs, script], {
        env: { ...process.env, NODE_ENV: 'production', ...env },
        stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
      });
      // Only what this process appends is its output, not what an earlier run left.
      return new NodeProcess(
        name,
        child,
        fd === undefined || logFile === undefined
          ? undefined
          : { path: logFile, from: fstatSync(fd).size },
      );
    } finally {
      // The child holds its own copy of the descriptor.
      if (fd !== undefined) closeSync(fd);
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process printed so far (stdout and stderr interleaved; the last 200,000 characters or bytes). */
  get logs(): string {
    if (this.logFile === undefined) return this.output;
    const fd = openSync(this.logFile.path, 'r');
    try {
      const size = fstatSync(fd).size;
      const from = Math.max(this.logFile.from, size - LOG_TAIL_CHARS);
      const tail = Buffer.alloc(Math.max(0, size - from));
      readSync(fd, tail, 0, tail.length, from);
      return tail.toString('utf8');
    } finally {
      closeSync(fd);
    }
  }

  /** Waits until `url` answers 200, or fails with the process's output (at once if it exits). */
  async waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
    let answered = false;
    // Ends the polling (and a fetch in flight) once the race is decided, whichever way.
    const polling = new AbortController();
    const { signal } = polling;
    const exited = this.exited.then((code) => {
      if (!answered)
        throw new Error(`${this.name} exited (code ${String(code)}) before answering ${url}`);
    });
    const ready = waitFor(
      `${this.name} to answer ${url}`,
      async () => (await fetch(url, { signal })).ok,
      { timeoutMs, signal },
    ).then(() => {
      answered = true;
    });
    try {
      await Promise.race([ready, exited]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${this.name} output ---\n${this.logs}`);
    } finally {
      polling.abort();
    }
  }

  /** Sends `signal` to the process (SIGSTOP and SIGCONT included). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** Kills the process at once (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** Resolves with the exit code once the process ends. */
  exit(): Promise<number | null> {
    return this.exited;
  }

  private append(chunk: Buffer): void {
    // Bounded: a chatty process must not grow the test runner's memory.
    this.output = (this.output + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  }
}
