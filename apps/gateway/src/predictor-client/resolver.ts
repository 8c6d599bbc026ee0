import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Turns a configured host into the addresses to connect to. A name may stand
 * for several (a Kubernetes headless service returns one A/AAAA record per
 * ready pod), and the set changes as pods come and go.
 * @throws whatever the lookup throws (ENOTFOUND, EAI_AGAIN, …).
 */
export type ResolveHost = (host: string) => Promise<string[]>;

/**
 * The system resolver (getaddrinfo: /etc/hosts, then DNS), every address.
 * `verbatim` keeps the resolver's order instead of putting IPv4 first.
 */
export const systemResolver: ResolveHost = async (host) => {
  const records = await lookup(host, { all: true, verbatim: true });
  return records.map((record) => record.address);
};

/** True when `host` is already an address: nothing to resolve, nothing to re-resolve. */
export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}

/** `host:port` as one would type it: IPv6 in brackets. */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
