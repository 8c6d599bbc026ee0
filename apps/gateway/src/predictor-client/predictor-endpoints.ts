import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ENDPOINT_LIST, splitList } from '../config/gateway.config';

// Where the predictor addresses come from: PREDICTOR_ENDPOINTS (validated by the config
// schema), or PREDICTOR_ENDPOINTS_FILE, read at boot and again before each resolve round.

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * The endpoints listed in a PREDICTOR_ENDPOINTS_FILE's text.
 * @throws Error naming the first entry that is not `host:port`, or when there is none.
 */
export function parseEndpointsFile(text: string): Endpoint[] {
  const entries = splitList(
    text
      .split('\n')
      .map((line) => line.replace(/#.*$/, ''))
      .join(','),
  );
  const bad = entries.find((entry) => !ENDPOINT_LIST.test(entry));
  if (bad !== undefined) throw new Error(`"${bad.slice(0, 80)}" is not host:port`);
  if (entries.length === 0) throw new Error('it lists no endpoint');
  return entries.map(parseEndpoint);
}

/** PREDICTOR_ENDPOINTS_FILE's errors name the variable and the path, never echo more than an entry. */
function endpointsFileError(path: string, error: unknown, reading: boolean): Error {
  const why = reading
    ? `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`
    : (error as Error).message;
  return new Error(`PREDICTOR_ENDPOINTS_FILE=${path}: ${why}`);
}

function endpointsOfFile(path: string, text: string): Endpoint[] {
  try {
    return parseEndpointsFile(text);
  } catch (error) {
    throw endpointsFileError(path, error, false);
  }
}

/**
 * PREDICTOR_ENDPOINTS_FILE at boot, read synchronously.
 * @throws Error `PREDICTOR_ENDPOINTS_FILE=<path>: …` when unreadable or malformed.
 */
export function readEndpointsFile(path: string): Endpoint[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw endpointsFileError(path, error, true);
  }
  return endpointsOfFile(path, text);
}

/**
 * PREDICTOR_ENDPOINTS_FILE again, for the periodic reload.
 * @throws Error `PREDICTOR_ENDPOINTS_FILE=<path>: …` when unreadable or malformed.
 */
export async function reloadEndpointsFile(path: string): Promise<Endpoint[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw endpointsFileError(path, error, true);
  }
  return endpointsOfFile(path, text);
}

/** One validated `host:port` entry; brackets come off IPv6. */
function parseEndpoint(item: string): Endpoint {
  const at = item.lastIndexOf(':');
  const host = item.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(item.slice(at + 1)) };
}

/** Splits PREDICTOR_ENDPOINTS (already validated) into endpoints; brackets come off IPv6. */
export function parseEndpoints(list: string): Endpoint[] {
  return splitList(list).map(parseEndpoint);
}
