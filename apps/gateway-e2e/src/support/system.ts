import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, freePort } from '@ml-system/test-support';

const DIST = join(__dirname, '..', '..', '..', '..', 'dist', 'apps');
export const GATEWAY_MAIN = join(DIST, 'gateway', 'main.js');
export const PREDICTOR_MAIN = join(DIST, 'predictor', 'main.js');

/** Waits for `url` to answer; a process that does not get there is stopped, not left running. */
async function readyOrStopped(
  process: NodeProcess,
  url: string,
  timeoutMs?: number,
): Promise<void> {
  try {
    await process.waitForHttp(url, timeoutMs);
  } catch (error) {
    await process.stop();
    throw error;
  }
}

export interface StartOptions {
  /** How long to wait for readiness (default 15 s): more for a spec that starts several services on a busy machine. */
  readyTimeoutMs?: number;
}

export interface PredictorHandle {
  process: NodeProcess;
  tcpPort: number;
  httpUrl: string;
}

/** Starts the built predictor on the given (or free) ports and waits until it is ready. */
export async function startPredictor(
  ports: { tcpPort?: number; httpPort?: number } = {},
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<PredictorHandle> {
  const tcpPort = ports.tcpPort ?? (await freePort());
  const httpPort = ports.httpPort ?? (await freePort());
  const process = NodeProcess.start('predictor', PREDICTOR_MAIN, {
    PREDICTOR_TCP_HOST: '127.0.0.1',
    PREDICTOR_TCP_PORT: String(tcpPort),
    PREDICTOR_HTTP_HOST: '127.0.0.1',
    PREDICTOR_HTTP_PORT: String(httpPort),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await readyOrStopped(process, `${httpUrl}/health/ready`, options.readyTimeoutMs);
  return { process, tcpPort, httpUrl };
}

export interface GatewayHandle {
  process: NodeProcess;
  url: string;
}

/** Starts the built gateway in front of `predictorTcpPorts` and waits until it is live. */
export async function startGateway(
  predictorTcpPorts: number[],
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<GatewayHandle> {
  const port = await freePort();
  const process = NodeProcess.start('gateway', GATEWAY_MAIN, {
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    PREDICTOR_ENDPOINTS: predictorTcpPorts.map((p) => `127.0.0.1:${p}`).join(','),
    LOG_LEVEL: 'warn',
    // Each gateway gets its own input log, so runs never see each other's records.
    INPUT_LOG_DIR: mkdtempSync(join(tmpdir(), 'gateway-e2e-log-')),
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await readyOrStopped(process, `${url}/health/ready`, options.readyTimeoutMs);
  return { process, url };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  elapsedMs: number;
}

/** POSTs JSON (or a raw string) and reads the JSON answer. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    elapsedMs: performance.now() - started,
  };
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
    elapsedMs: performance.now() - started,
  };
}
