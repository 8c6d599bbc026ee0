import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for an IP literal in 127.0.0.0/8 or ::1. Names (even `localhost`) are
 * refused: what they resolve to is not ours to check, and a fault injector
 * must never be pointed at, or reachable from, anything but this machine.
 */
export function isLoopbackAddress(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return LOOPBACK.check(host, 'ipv4');
  if (family === 6) return LOOPBACK.check(host, 'ipv6');
  return false;
}

/**
 * @throws Error when `host` is not a loopback address.
 */
export function assertLoopback(what: string, host: string): void {
  if (!isLoopbackAddress(host)) {
    throw new Error(`${what} must be a loopback address (127.0.0.0/8 or ::1), not "${host}"`);
  }
}
