import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of one TLS identity. */
export interface TestIdentity {
  /** The CA that issued `cert` (its certificate). */
  ca: string;
  cert: string;
  key: string;
}

/** A throwaway PKI for TLS tests, in a temporary directory. */
export interface TestPki {
  dir: string;
  /** Server certificate for 127.0.0.1 and localhost (SAN), issued by the trusted CA. */
  server: TestIdentity;
  /** Client certificate issued by the trusted CA. */
  client: TestIdentity;
  /** Client certificate issued by a second, untrusted CA; `ca` is that rogue CA. */
  rogueClient: TestIdentity;
  /** Server certificate for 127.0.0.1 issued by the rogue CA. */
  rogueServer: TestIdentity;
  /** Removes the directory. */
  cleanup(): void;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 15_000 });
}

function newCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function issue(dir: string, ca: string, name: string, extensions: string): TestIdentity {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    '-extfile',
    `${name}.ext`,
  ]);
  return {
    ca: join(dir, `${ca}.crt`),
    cert: join(dir, `${name}.crt`),
    key: join(dir, `${name}.key`),
  };
}

const SERVER_EXT =
  'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n';
const CLIENT_EXT =
  'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n';

/**
 * Generates, with the `openssl` command, a CA with a server and a client
 * certificate, and a second (rogue) CA with its own client and server
 * certificates, valid for two days, in a new temporary directory.
 *
 * @throws when `openssl` is missing or fails.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'test-pki-'));
  try {
    newCa(dir, 'trusted-ca');
    newCa(dir, 'rogue-ca');
    return {
      dir,
      server: issue(dir, 'trusted-ca', 'server', SERVER_EXT),
      client: issue(dir, 'trusted-ca', 'client', CLIENT_EXT),
      rogueClient: issue(dir, 'rogue-ca', 'rogue-client', CLIENT_EXT),
      rogueServer: issue(dir, 'rogue-ca', 'rogue-server', SERVER_EXT),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
