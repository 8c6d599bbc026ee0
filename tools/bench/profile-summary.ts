import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A frame of a V8 `.cpuprofile`; line and column are 0-based. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber?: number;
  columnNumber?: number;
}

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) that the summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: CallFrame;
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
  // The innermost package: the bundles' source maps name some sources through
  // the loader that read them (node_modules/source-map-loader/dist/node_modules/x/...).
  const inPackage = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
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
 * The source map beside a script (`<file>.map`), read once per script; none
 * for a script without one (Node's own, the floors under ts-node).
 */
export function sourceMapsBeside(): (url: string) => SourceMap | undefined {
  const maps = new Map<string, SourceMap | undefined>();
  return (url) => {
    if (!maps.has(url)) {
      let map: SourceMap | undefined;
      try {
        const path = url.startsWith('file:') ? fileURLToPath(url) : url;
        map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as SourceMapPayload);
      } catch {
        map = undefined;
      }
      maps.set(url, map);
    }
    return maps.get(url);
  };
}

/**
 * The file a frame's code came from before webpack bundled it: our services
 * bundle their node_modules into main.js, so without the source map beside
 * each bundle every package's time would count as app code. Frames of files
 * without a `.map` keep their own url.
 */
export function bundleSourceResolver(): (frame: CallFrame) => string {
  const mapOf = sourceMapsBeside();
  return (frame) => {
    if (!frame.url.endsWith('.js') || frame.lineNumber === undefined) return frame.url;
    // Generated code with no source (webpack's runtime, some segments) has none.
    const entry: { originalSource?: string } | undefined = mapOf(frame.url)?.findEntry(
      frame.lineNumber,
      frame.columnNumber ?? 0,
    );
    return entry?.originalSource ?? frame.url;
  };
}

/**
 * Self time by layer, largest first. Idle samples and those under module
 * loading (Module._compile) are left out, so that the shares are of the time
 * spent serving.
 */
export function summarizeProfile(
  profile: CpuProfile,
  sourceOf: (frame: CallFrame) => string = (frame) => frame.url,
): { busyMs: number; layers: LayerShare[] } {
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
    const layer = layerOf({ functionName: frame.functionName, url: sourceOf(frame) });
    totals.set(layer, (totals.get(layer) ?? 0) + us);
  });
  const layers = [...totals]
    .map(([layer, us]) => ({ layer, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs: busyUs / 1000, layers };
}
