import type { LightMyRequestResponse } from 'fastify';

/** What must never reach a client: stack frames, source or install paths, engine messages. */
const LEAKS: readonly RegExp[] = [
  /\n\s+at /,
  /\bat \S+ \(/,
  /\/work\//,
  /\/home\//,
  /node_modules/,
  /\.[jt]s:\d+/,
  /SyntaxError|TypeError|RangeError/,
  /Unexpected (?:token|end)/,
  /Maximum call stack/,
];

/** The leak patterns `text` matches (empty when it is clean). */
export function leaksIn(text: string): string[] {
  return LEAKS.filter((pattern) => pattern.test(text)).map(String);
}

/**
 * Everything that keeps `response` from being a clean error: a 5xx, another
 * media type than problem+json, a missing RFC 9457 member, a request id that
 * differs from the header, or a leak. Empty when the response is a proper
 * client-error problem; specs assert `toEqual([])` to see every reason at once.
 */
export function problemViolations(response: LightMyRequestResponse): string[] {
  const violations: string[] = [];
  const status = response.statusCode;
  if (status < 400 || status >= 500) violations.push(`status ${status} is not a 4xx`);
  const type = response.headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/problem+json')) {
    violations.push(`content-type ${String(type)}`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    violations.push('the body is not JSON');
  }
  if (typeof body.type !== 'string' || !/^\/problems\/[a-z-]+$/.test(body.type))
    violations.push('type');
  if (typeof body.title !== 'string') violations.push('title');
  if (body.status !== status) violations.push('status member');
  if (typeof body.detail !== 'string') violations.push('detail');
  if (typeof body.code !== 'string' || !/^[A-Z_]+$/.test(body.code)) violations.push('code');
  if (body.request_id !== response.headers['x-request-id']) violations.push('request_id');
  violations.push(...leaksIn(response.body).map((leak) => `leaks ${leak}`));
  return violations;
}
