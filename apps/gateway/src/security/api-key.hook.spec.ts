import { Controller, Get, Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayTestApp } from '../testing/gateway-test-app';
import { problemViolations } from '../testing/problem-assertions';
import { presentedKey } from './api-key.hook';
import { Public, SkipRateLimit } from './public.decorator';
import { SecurityHooks, markControllerRoutes, routeSecurityOf } from './security.hooks';
import { SecurityModule } from './security.module';
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

describe('SecurityHooks on a controller nobody marked', () => {
  @Controller('new')
  class NewController {
    @Get()
    unmarked(): string {
      return 'x';
    }

    @Get(':id')
    withParam(): string {
      return 'x';
    }

    @Public()
    @Get('open/now')
    open(): string {
      return 'x';
    }
  }

  @Public()
  @SkipRateLimit()
  @Controller('probe')
  class ProbeController {
    @Get()
    probe(): string {
      return 'x';
    }
  }

  it('reads @Public() and @SkipRateLimit() from the method, else the class', () => {
    const reflector = new Reflector();
    expect(routeSecurityOf(reflector, NewController.prototype.unmarked, NewController)).toEqual({
      apiKey: true,
      rateLimit: true,
    });
    expect(routeSecurityOf(reflector, NewController.prototype.open, NewController)).toEqual({
      apiKey: false,
      rateLimit: true,
    });
    expect(routeSecurityOf(reflector, ProbeController.prototype.probe, ProbeController)).toEqual({
      apiKey: false,
      rateLimit: false,
    });
  });

  it('keeps a route config set with @RouteConfig() beside its own', () => {
    @Controller()
    class Configured {
      @RouteConfig({ tag: 'kept' })
      @Get('configured')
      configured(): string {
        return 'x';
      }
    }
    markControllerRoutes([Configured], new Reflector());
    expect(
      Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, Configured.prototype.configured),
    ).toEqual({ tag: 'kept', security: { apiKey: true, rateLimit: true } });
  });

  it('protects every route of a new controller unless marked @Public(), param routes included', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          isGlobal: true,
          load: [() => ({ API_KEYS: KEY_A, RATE_LIMIT_MAX: 0, RATE_LIMIT_WINDOW_MS: 60_000 })],
        }),
        SecurityModule,
      ],
      controllers: [NewController, ProbeController],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app.get(SecurityHooks).install(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const status = async (url: string, headers: Record<string, string> = {}) =>
        (await app.inject({ method: 'GET', url, headers })).statusCode;
      expect(await status('/new')).toBe(401);
      expect(await status('/new/7')).toBe(401);
      expect(await status('/new', { 'x-api-key': KEY_A })).toBe(200);
      expect(await status('/new/7', { 'x-api-key': KEY_A })).toBe(200);
      expect(await status('/new/open/now')).toBe(200);
      expect(await status('/probe')).toBe(200);
      // Fastify's automatic HEAD twin of a GET route is registered with the same config.
      expect((await app.inject({ method: 'HEAD', url: '/new' })).statusCode).toBe(401);
      expect(
        (await app.inject({ method: 'HEAD', url: '/new', headers: { 'x-api-key': KEY_A } }))
          .statusCode,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('refuses to start when the hooks were not installed, rather than serve open routes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          isGlobal: true,
          load: [() => ({ API_KEYS: KEY_A, RATE_LIMIT_MAX: 0, RATE_LIMIT_WINDOW_MS: 60_000 })],
        }),
        SecurityModule,
      ],
      controllers: [NewController],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    try {
      await expect(app.init()).rejects.toThrow(/was not called before init/);
    } finally {
      await app.close();
    }
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
