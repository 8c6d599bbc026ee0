import { Controller, Get, Logger } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { RouteMetadataCache } from './route-metadata-cache';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemException } from '@ml-system/server-core';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { problemViolations } from '../testing/problem-assertions';
import { ApiKeyGuard, presentedKey } from './api-key.guard';
import { ApiKeyVerifier } from './api-key.verifier';
import { Public } from './public.decorator';
import { answeringPredictor } from '../testing/fixtures';

const KEY_A = 'alpha-key-0123456789';
const KEY_B = 'bravo-key-0123456789';
const FILE_KEY = 'file-key-abcdefghijkl';

describe('API keys (HTTP pipeline)', () => {
  let app: NestFastifyApplication;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const keysFile = join(dir, 'keys.txt');
    writeFileSync(keysFile, `# issued 2024\n${FILE_KEY}\n`);
    app = await gatewayTestApp(answeringPredictor(), {
      env: {
        API_KEYS: `${KEY_A},${KEY_B}`,
        API_KEYS_FILE: keysFile,
      },
    });
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const process = (headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json', ...headers },
      payload: { data: 'cat', forward_to_model: false },
    });

  it('refuses a request without a key with a 401 problem and WWW-Authenticate: Bearer', async () => {
    const response = await process();
    expect(response.statusCode).toBe(401);
    expect(problemViolations(response)).toEqual([]);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toMatchObject({
      code: 'UNAUTHORIZED',
      type: '/problems/unauthorized',
      detail: expect.stringMatching(/x-api-key or Authorization: Bearer/),
    });
  });

  it.each([
    ['a wrong x-api-key', { 'x-api-key': 'alpha-key-0123456780' }],
    ['a wrong bearer token', { authorization: 'Bearer alpha-key-0123456780' }],
    ['an empty x-api-key', { 'x-api-key': '' }],
    [
      'a key in Basic auth',
      { authorization: `Basic ${Buffer.from(`u:${KEY_A}`).toString('base64')}` },
    ],
    ['a bare key in Authorization', { authorization: KEY_A }],
    ['a key in the wrong header', { 'x-api-token': KEY_A }],
    [
      'a wrong x-api-key next to a right bearer token',
      { 'x-api-key': 'nope-nope-nope-nope', authorization: `Bearer ${KEY_A}` },
    ],
  ])('refuses %s with 401', async (_what, headers) => {
    const response = await process(headers);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['x-api-key', { 'x-api-key': KEY_A }],
    ['Authorization: Bearer', { authorization: `Bearer ${KEY_B}` }],
    ['a lower-case bearer scheme', { authorization: `bearer ${KEY_A}` }],
    ['a key from API_KEYS_FILE', { 'x-api-key': FILE_KEY }],
  ])('accepts a right key given as %s', async (_what, headers) => {
    const response = await process(headers);
    expect(response.statusCode).toBe(200);
  });

  it('does not take a key from the query string', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/process?api_key=${KEY_A}`,
      headers: { 'content-type': 'application/json' },
      payload: { data: 'cat', forward_to_model: false },
    });
    expect(response.statusCode).toBe(401);
  });

  it.each(['/health', '/health/live', '/health/ready', '/'])('leaves %s open', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
  });

  it('keeps the stored inputs of /logs behind the key', async () => {
    const logged = await process({ 'x-api-key': KEY_A });
    const id = String(logged.json().request_id);
    for (const url of ['/logs', `/logs/${id}`]) {
      const refused = await app.inject({ method: 'GET', url });
      expect(refused.statusCode).toBe(401);
      expect(refused.body).not.toContain('cat');
      const allowed = await app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${KEY_B}` },
      });
      expect(allowed.statusCode).toBe(200);
    }
  });

  it('answers an unknown route with 404, not 401', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
  });

  it('checks the key before validating the body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/process',
      headers: { 'content-type': 'application/json' },
      payload: { data: 5 },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe('API keys off', () => {
  it('lets everything through and warns loudly at start', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await gatewayTestApp(answeringPredictor(), { env: {} });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/process',
        headers: { 'content-type': 'application/json' },
        payload: { data: 'cat', forward_to_model: false },
      });
      expect(response.statusCode).toBe(200);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^AUTHENTICATION IS OFF/));
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });

  it('refuses to start when API_KEYS_FILE cannot be read', async () => {
    await expect(
      gatewayTestApp(answeringPredictor(), { env: { API_KEYS_FILE: '/nonexistent/keys' } }),
    ).rejects.toThrow('API_KEYS_FILE=/nonexistent/keys: cannot read the file (ENOENT)');
  });
});

describe(ApiKeyGuard.name, () => {
  @Controller()
  class NewController {
    @Get('new')
    unmarked(): string {
      return 'x';
    }

    @Public()
    @Get('open')
    open(): string {
      return 'x';
    }
  }

  const contextFor = (
    handler: keyof NewController,
    headers: Record<string, string> = {},
  ): ExecutionContext =>
    ({
      getType: () => 'http',
      getHandler: () => NewController.prototype[handler],
      getClass: () => NewController,
      switchToHttp: () => ({ getRequest: () => ({ headers }) }),
    }) as unknown as ExecutionContext;

  const guard = new ApiKeyGuard(new RouteMetadataCache(), new ApiKeyVerifier([KEY_A]));

  it('protects a route that nobody marked: new controllers are private by default', () => {
    expect(() => guard.canActivate(contextFor('unmarked'))).toThrow(ProblemException);
    expect(guard.canActivate(contextFor('unmarked', { 'x-api-key': KEY_A }))).toBe(true);
  });

  it('opens a route marked @Public()', () => {
    expect(guard.canActivate(contextFor('open'))).toBe(true);
  });
});

describe(presentedKey.name, () => {
  it.each([
    [{ 'x-api-key': 'k' }, 'k'],
    [{ authorization: 'Bearer k' }, 'k'],
    [{ authorization: 'BEARER   k  ' }, 'k'],
    [{ authorization: 'Bearer' }, undefined],
    [{ authorization: 'Bearer a b' }, undefined],
    [{ 'x-api-key': 'k', authorization: 'Bearer other' }, 'k'],
    [{}, undefined],
  ])('finds the key in %j', (headers, key) => {
    expect(presentedKey(headers)).toBe(key);
  });
});
