import { ConfigService } from '@nestjs/config';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TlsConfigError } from '@ml-system/server-core';
import { createTestPki } from '@ml-system/test-support';
import type { TestPki } from '@ml-system/test-support';
import { validateGatewayEnv } from '../config/gateway.config';
import type { GatewayEnv } from '../config/gateway.config';
import { rpcClientTlsOptions, rpcTlsForTarget } from './rpc-tls';

const configOf = (env: Record<string, string>) =>
  new ConfigService<GatewayEnv, true>(validateGatewayEnv(env));

describe(rpcClientTlsOptions.name, () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = createTestPki();
  });

  afterAll(() => {
    pki.cleanup();
  });

  const env = (overrides: Record<string, string> = {}) => ({
    RPC_TLS_CA: pki.server.ca,
    RPC_TLS_CERT: pki.client.cert,
    RPC_TLS_KEY: pki.client.key,
    ...overrides,
  });

  it('is undefined without RPC_TLS_*: the hop stays plaintext', () => {
    expect(rpcClientTlsOptions(configOf({}))).toBeUndefined();
  });

  it('reads the three files and verifies the predictor', () => {
    const options = rpcClientTlsOptions(configOf(env()));
    expect(options).toMatchObject({ rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    expect((options?.ca as Buffer).toString('utf8')).toContain('BEGIN CERTIFICATE');
    expect((options?.key as Buffer).toString('utf8')).toContain('PRIVATE KEY');
    expect(options?.servername).toBeUndefined();
    expect(
      rpcClientTlsOptions(configOf(env({ RPC_TLS_SERVERNAME: 'predictor.internal' })))?.servername,
    ).toBe('predictor.internal');
  });

  it.each(['RPC_TLS_CA', 'RPC_TLS_CERT', 'RPC_TLS_KEY'])(
    'names %s when its file cannot be read',
    (variable) => {
      const missing = join(pki.dir, 'missing.pem');
      expect(() => rpcClientTlsOptions(configOf(env({ [variable]: missing })))).toThrow(
        TlsConfigError,
      );
      expect(() => rpcClientTlsOptions(configOf(env({ [variable]: missing })))).toThrow(
        `${variable}=${missing}: cannot read the file (ENOENT)`,
      );
    },
  );

  it('refuses a key that does not belong to the certificate, at boot', () => {
    expect(() => rpcClientTlsOptions(configOf(env({ RPC_TLS_KEY: pki.rogueClient.key })))).toThrow(
      /RPC_TLS_CA, RPC_TLS_CERT and RPC_TLS_KEY do not make a usable TLS identity/,
    );
  });

  it('refuses a file that is not PEM', () => {
    const garbage = join(pki.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    expect(() => rpcClientTlsOptions(configOf(env({ RPC_TLS_CERT: garbage })))).toThrow(
      TlsConfigError,
    );
  });
});

describe(rpcTlsForTarget.name, () => {
  const base = { rejectUnauthorized: true };

  it('checks a named target by its name, though the endpoint is dialled by IP', () => {
    expect(rpcTlsForTarget(base, 'predictor-headless')).toEqual({
      ...base,
      servername: 'predictor-headless',
    });
  });

  it('leaves an IP target to the IP SANs, and an explicit RPC_TLS_SERVERNAME alone', () => {
    expect(rpcTlsForTarget(base, '10.0.0.7')).toBe(base);
    expect(rpcTlsForTarget(base, '::1')).toBe(base);
    const named = { ...base, servername: 'predictor.internal' };
    expect(rpcTlsForTarget(named, 'predictor-headless')).toBe(named);
  });

  it('stays plaintext without TLS', () => {
    expect(rpcTlsForTarget(undefined, 'predictor-headless')).toBeUndefined();
  });
});
