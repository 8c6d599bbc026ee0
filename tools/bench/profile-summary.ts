/** The parts of a V8 `.cpuprofile` (node --cpu-prof) that the summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface LayerShare {
  layer: string;
  ms: number;
  /** Of the busy time (not idle, not module loading). */
  share: number;
}

/** The layer a frame belongs to: a package, a Node module, the app's own code, or a native. */
export function layerOf(frame: { functionName: string; url: string }): string {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8 and native (program)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage?.[1]) return inPackage[1];
  if (url.startsWith('node:'))
    return `node ${
      url
        .slice('node:'.length)
        .replace(/^internal\//, '')
        .split('/')[0] ?? ''
    }`;
  if (url === '') return `native ${functionName || '(anonymous)'}`;
  return 'app code';
}

/**
 * Self time by layer, largest first. Idle samples and those under module
 * loading (Module._compile) are left out, so that the shares are of the time
 * spent serving.
 */
export function summarizeProfile(profile: CpuProfile): { busyMs: number; layers: LayerShare[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const loading = new Map<number, boolean>();
  const underLoading = (id: number): boolean => {
    const known = loading.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    const up = parent.get(id);
    const result =
      frame?.functionName === 'Module._compile' || (up !== undefined && underLoading(up));
    loading.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)' || underLoading(id)) return;
    busyUs += us;
    const layer = layerOf(frame);
    totals.set(layer, (totals.get(layer) ?? 0) + us);
  });
  const layers = [...totals]
    .map(([layer, us]) => ({ layer, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs: busyUs / 1000, layers };
}
