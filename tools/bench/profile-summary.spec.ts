import { layerOf, summarizeProfile } from './profile-summary';
import type { CpuProfile } from './profile-summary';

describe(layerOf.name, () => {
  it.each([
    [{ functionName: 'send', url: 'file:///srv/node_modules/fastify/lib/reply.js' }, 'fastify'],
    [{ functionName: 'x', url: '/srv/node_modules/@nestjs/core/router/a.js' }, '@nestjs/core'],
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
