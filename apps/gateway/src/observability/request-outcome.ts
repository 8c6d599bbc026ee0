import type { SuccessOutcome } from '@ml-system/server-core';

const PROCESS_ROUTES: ReadonlySet<string> = new Set(['/process', '/v1/process']);

/**
 * The `outcome` of a successful gateway request on its log line: `predicted`
 * or `logged` for `POST /process`, `ok` elsewhere. Read from the serialised
 * body, whose `model_prediction` field is there exactly when the model
 * answered (README, "HTTP API"), so no interceptor runs on the request path for it.
 */
export const gatewaySuccessOutcome: SuccessOutcome = (route, payload) => {
  if (!PROCESS_ROUTES.has(route)) return undefined;
  return typeof payload === 'string' && payload.includes('"model_prediction"')
    ? 'predicted'
    : 'logged';
};

/** Probes and scrapes: their successful requests log at debug. */
export const GATEWAY_QUIET_ROUTES = [
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
] as const;
