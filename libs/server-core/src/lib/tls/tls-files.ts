import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** Paths of the PEM files of one side of a mutually authenticated TLS hop. */
export interface TlsFilePaths {
  ca: string;
  cert: string;
  key: string;
}

/** Their contents, read once. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A TLS file that cannot be used; the message names the variable and the path. */
export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

/**
 * Reads the CA, certificate and key files named by `paths` (the names of
 * `variables` say which variable pointed at each) and checks that they form a
 * usable TLS context, so that a wrong path or a key that does not match its
 * certificate stops the process at boot with a clear message instead of
 * failing every connection later.
 *
 * @throws TlsConfigError naming the variable of an unreadable file, or the
 *   CERT/KEY variables when they do not make a valid pair.
 */
export function readTlsMaterial(
  paths: TlsFilePaths,
  variables: Readonly<Record<keyof TlsFilePaths, string>>,
): TlsMaterial {
  const read = (which: keyof TlsFilePaths): Buffer => {
    try {
      return readFileSync(paths[which]);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new TlsConfigError(
        `${variables[which]}=${paths[which]}: cannot read the file (${code})`,
      );
    }
  };
  const material: TlsMaterial = { ca: read('ca'), cert: read('cert'), key: read('key') };
  try {
    createSecureContext(material);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TlsConfigError(
      `${variables.ca}, ${variables.cert} and ${variables.key} do not make a usable TLS identity: ${reason}`,
    );
  }
  return material;
}
