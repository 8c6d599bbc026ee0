import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import { TlsConfigError } from '@ml-system/server-core';
import { createTestPki } from '@ml-system/test-support';
import type { TestPki } from '@ml-system/test-support';
import { validatePredictorEnv } from '../config/predictor.config';
import type { PredictorEnv } from '../config/predictor.config';
import { rpcServerTlsOptions } from './rpc-tls';

const configOf = (env: Record<string, string>) =>
  new ConfigService<PredictorEnv, true>(validatePredictorEnv(env));

describe(rpcServerTlsOptions.name, () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = createTestPki();
  });

  afterAll(() => {
    pki.cleanup();
  });

  const env = (overrides: Record<string, string> = {}) => ({
    RPC_TLS_CA: pki.client.ca,
    RPC_TLS_CERT: pki.server.cert,
    RPC_TLS_KEY: pki.server.key,
    ...overrides,
  });

  it('is undefined without RPC_TLS_*: the server stays plaintext', () => {
    expect(rpcServerTlsOptions(configOf({}))).toBeUndefined();
  });

  it('requires and verifies client certificates, TLS 1.2+, with the stall bound as handshake timeout', () => {
    expect(
      rpcServerTlsOptions(configOf(env({ RPC_INCOMPLETE_FRAME_TIMEOUT_MS: '750' }))),
    ).toMatchObject({
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      handshakeTimeout: 750,
      ca: expect.any(Buffer),
      cert: expect.any(Buffer),
      key: expect.any(Buffer),
    });
  });

  it.each(['RPC_TLS_CA', 'RPC_TLS_CERT', 'RPC_TLS_KEY'])(
    'names %s when its file cannot be read',
    (variable) => {
      const missing = join(pki.dir, 'missing.pem');
      expect(() => rpcServerTlsOptions(configOf(env({ [variable]: missing })))).toThrow(
        TlsConfigError,
      );
      expect(() => rpcServerTlsOptions(configOf(env({ [variable]: missing })))).toThrow(
        `${variable}=${missing}: cannot read the file (ENOENT)`,
      );
    },
  );

  it('refuses a key that does not belong to the certificate', () => {
    expect(() => rpcServerTlsOptions(configOf(env({ RPC_TLS_KEY: pki.client.key })))).toThrow(
      /do not make a usable TLS identity/,
    );
  });
});
