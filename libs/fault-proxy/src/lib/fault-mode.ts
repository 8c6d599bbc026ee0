/**
 * What the proxy does to traffic.
 * - `pass`: forwards both ways.
 * - `latency`: forwards both ways, each chunk `ms` later (order kept).
 * - `blackhole`: accepts and reads, never forwards nor answers (a hung peer).
 * - `reset`: accepts, then resets the connection (RST); open ones are reset too.
 * - `refuse`: stops listening (connection refused); open connections are reset,
 *   as when the process behind it died.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'latency'; ms: number }
  | { kind: 'blackhole' }
  | { kind: 'reset' }
  | { kind: 'refuse' };

/** Longest latency accepted: beyond it, use `blackhole`. */
export const MAX_LATENCY_MS = 600_000;

/**
 * Reads a mode as written on a command line: `pass`, `latency:200`,
 * `blackhole`, `reset`, `refuse`.
 * @throws Error naming the accepted forms when `text` is none of them.
 */
export function parseFaultMode(text: string): FaultMode {
  const value = text.trim().toLowerCase();
  if (value === 'pass' || value === 'blackhole' || value === 'reset' || value === 'refuse')
    return { kind: value };
  const latency = /^latency:(\d{1,6})$/.exec(value);
  if (latency) {
    const ms = Number(latency[1]);
    if (ms <= MAX_LATENCY_MS) return { kind: 'latency', ms };
  }
  throw new Error(
    `unknown fault mode "${text}": use pass, latency:<ms> (0..${MAX_LATENCY_MS}), blackhole, reset or refuse`,
  );
}

/** The mode as `parseFaultMode` reads it. */
export function formatFaultMode(mode: FaultMode): string {
  return mode.kind === 'latency' ? `latency:${mode.ms}` : mode.kind;
}
