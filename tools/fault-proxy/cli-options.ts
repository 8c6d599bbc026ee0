import { parseFaultMode } from '@ml-system/fault-proxy';
import type { FaultProxyOptions } from '@ml-system/fault-proxy';

export const USAGE = `usage: npx nx run tools:fault-proxy -- --listen <port> --target <port> [--mode <mode>]
                                      [--listen-host <ip>] [--target-host <ip>]
  mode: pass (default), latency:<ms>, blackhole, reset, refuse
  addresses: loopback only (127.0.0.0/8, ::1), 127.0.0.1 by default
  while running, type a mode and Enter to switch; "status" to print it; Ctrl-C to stop`;

/**
 * Reads the CLI's arguments, as `--name value` or `--name=value` (Nx forwards
 * the latter form).
 * @throws Error with the usage when an argument is missing, unknown or malformed.
 */
export function parseCliOptions(
  argv: readonly string[],
): Required<Omit<FaultProxyOptions, 'mode'>> & { mode: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    const name = match[1] ?? '';
    const value = match[2] ?? argv[(i += 1)];
    if (value === undefined) throw new Error(`--${name} needs a value\n${USAGE}`);
    values.set(name, value);
  }
  const known = new Set(['listen', 'target', 'mode', 'listen-host', 'target-host']);
  for (const name of values.keys()) {
    if (!known.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  }
  const port = (name: string): number => {
    const text = values.get(name);
    if (text === undefined) throw new Error(`--${name} is required\n${USAGE}`);
    if (!/^\d{1,5}$/.test(text))
      throw new Error(`--${name} must be a port number, not "${text}"\n${USAGE}`);
    return Number(text);
  };
  const mode = values.get('mode') ?? 'pass';
  parseFaultMode(mode);
  return {
    listenPort: port('listen'),
    targetPort: port('target'),
    listenHost: values.get('listen-host') ?? '127.0.0.1',
    targetHost: values.get('target-host') ?? '127.0.0.1',
    mode,
  };
}
