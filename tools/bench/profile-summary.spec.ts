import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleSourceResolver, layerOf, summarizeProfile } from './profile-summary';
import type { CpuProfile } from './profile-summary';

describe(layerOf.name, () => {
  it.each([
    [{ functionName: 'send', url: 'file:///srv/node_modules/fastify/lib/reply.js' }, 'fastify'],
    [{ functionName: 'x', url: '/srv/node_modules/@nestjs/core/router/a.js' }, '@nestjs/core'],
    [
      {
        functionName: 'x',
        url: 'webpack:///../node_modules/source-map-loader/dist/node_modules/reflect-metadata/Reflect.js',
      },
      'reflect-metadata',
    ],
    [{ functionName: 'emit', url: 'node:events' }, 'node events'],
    [
      { functionName: 'writev', url: 'node:internal/stream_base_commons' },
      'node stream_base_commons',
    ],
    [{ functionName: 'writev', url: '' }, 'native writev'],
    [{ functionName: '(garbage collector)', url: '' }, 'GC'],
    [{ functionName: 'process', url: 'file:///srv/dist/apps/gateway/main.js' }, 'app code'],
  ])('%j is %s', (frame, layer) => {
    expect(layerOf(frame)).toBe(layer);
  });
});

describe(summarizeProfile.name, () => {
  // root -> idle; root -> Module._compile -> loaded; root -> handler (app) -> send (fastify)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 3, 5] },
      { id: 2, callFrame: { functionName: '(idle)', url: '' } },
      {
        id: 3,
        callFrame: { functionName: 'Module._compile', url: 'node:internal/modules/cjs/loader' },
        children: [4],
      },
      { id: 4, callFrame: { functionName: '', url: '/srv/node_modules/fastify/fastify.js' } },
      {
        id: 5,
        callFrame: { functionName: 'handler', url: '/srv/dist/apps/gateway/main.js' },
        children: [6],
      },
      { id: 6, callFrame: { functionName: 'send', url: '/srv/node_modules/fastify/lib/reply.js' } },
    ],
    samples: [2, 4, 5, 6, 6, 2],
    timeDeltas: [5000, 7000, 1000, 2000, 1000, 5000],
  };

  it('gives self time by layer, without idle time or module loading', () => {
    const { busyMs, layers } = summarizeProfile(profile);
    expect(busyMs).toBe(4);
    expect(layers).toEqual([
      { layer: 'fastify', ms: 3, share: 0.75 },
      { layer: 'app code', ms: 1, share: 0.25 },
    ]);
  });
});

describe(bundleSourceResolver.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-summary-'));
  const bundle = join(dir, 'main.js');
  // Generated line 0 has no source (as webpack's runtime); on line 1, columns 0-4 come
  // from fastify, from column 5 on from our own code.
  writeFileSync(
    `${bundle}.map`,
    JSON.stringify({
      version: 3,
      sources: ['/srv/node_modules/fastify/lib/reply.js', '/srv/apps/gateway/src/main.ts'],
      names: [],
      mappings: ';AAAA,KCAA',
    }),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sourceOf = bundleSourceResolver();

  it('gives a bundled frame the package it came from', () => {
    const frame = {
      functionName: 'send',
      url: pathToFileURL(bundle).href,
      lineNumber: 1,
      columnNumber: 2,
    };
    expect(sourceOf(frame)).toBe('/srv/node_modules/fastify/lib/reply.js');
    expect(layerOf({ functionName: 'send', url: sourceOf(frame) })).toBe('fastify');
    expect(sourceOf({ ...frame, url: bundle, columnNumber: 7 })).toBe(
      '/srv/apps/gateway/src/main.ts',
    );
  });

  it('leaves frames of files without a source map as they are', () => {
    const frame = { functionName: 'x', url: join(dir, 'other.js'), lineNumber: 0, columnNumber: 0 };
    expect(sourceOf(frame)).toBe(frame.url);
    expect(sourceOf({ functionName: 'emit', url: 'node:events' })).toBe('node:events');
    const runtime = { functionName: 'r', url: bundle, lineNumber: 0, columnNumber: 0 };
    expect(sourceOf(runtime)).toBe(bundle);
  });

  it('summarizes by the original source when given the resolver', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2] },
        { id: 2, callFrame: { functionName: 'send', url: bundle, lineNumber: 1, columnNumber: 1 } },
      ],
      samples: [2],
      timeDeltas: [1000],
    };
    expect(summarizeProfile(profile).layers[0]?.layer).toBe('app code');
    expect(summarizeProfile(profile, sourceOf).layers[0]?.layer).toBe('fastify');
  });
});
