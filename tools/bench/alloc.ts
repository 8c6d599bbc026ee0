/**
 * Bytes the gateway allocates per request, and where: starts
 * our built gateway and predictor as the bench does (every feature on, an API
 * key sent, LOG_LEVEL=info) with the inspector open on the gateway, warms it
 * up, then sends a fixed number of requests and reads, over the inspector,
 *  - the JavaScript heap allocated during them: each GC's heap before it less
 *    the heap after the previous one (v8.GCProfiler), plus the ends of the
 *    window. A count of bytes, not of time, so it does not move with the CPU
 *    noise of a shared machine;
 *  - the allocation sites: V8's sampling heap profiler (objects collected by
 *    either GC included), its sizes already scaled to estimates of all bytes,
 *    each site named by the function's source file and line in the bundle's
 *    source map.
 *
 *   npx nx run tools:alloc [-- --mode forward|local|onnx --requests 20000 --warmup 5000
 *                              --connections 64 --top 30 --interval 1024 --save file.heapprofile]
 *
 * `forward` and `local` post to `POST /process`; `onnx` posts the ONNX
 * scenario's infer body to ONNX_INFER_PATH, the predictor serving the ONNX
 * test repository, as the bench's and the profile's onnx mode do.
 */
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { freePort } from '@ml-system/test-support';
import { sourceMapsBeside } from './profile-summary';
import type { CallFrame } from './profile-summary';
import { ONNX_INFER_BODY, ONNX_INFER_PATH, startOurs, stopAll } from './systems';
import type { System } from './systems';

/** A node of the Chrome DevTools Protocol's SamplingHeapProfile. */
interface HeapNode {
  callFrame: CallFrame & { lineNumber: number; columnNumber: number };
  /** Estimated bytes of every allocation here (V8 scales the samples). */
  selfSize: number;
  children: HeapNode[];
}

/** A minimal Chrome DevTools Protocol client over Node's own WebSocket. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting || message.id === undefined) return;
      this.pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${port}`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), {
        once: true,
      });
    });
    return new Inspector(socket);
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the gateway's main context and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send<{
      result: { value?: unknown };
      exceptionDetails?: { text: string };
    }>('Runtime.evaluate', { expression, returnByValue: true });
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.text}`);
    return result.value as T;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Counts the heap allocated from here to `stop`: every GC's heap size before
 * it less the size after the previous one, and the two ends of the window.
 */
const START_COUNTING = `(() => {
  const v8 = process.getBuiltinModule('v8');
  globalThis.__allocWindow = { profiler: new v8.GCProfiler(), from: v8.getHeapStatistics().used_heap_size };
  globalThis.__allocWindow.profiler.start();
  return true;
})()`;

const STOP_COUNTING = `(() => {
  const v8 = process.getBuiltinModule('v8');
  const { profiler, from } = globalThis.__allocWindow;
  const to = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  delete globalThis.__allocWindow;
  let allocated = 0;
  let previous = from;
  for (const gc of statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += to - previous;
  return { allocated, gcs: statistics.length };
})()`;

/** Names a frame `function (original/source.ts:line)` through the bundle's source map. */
function frameNamer(): (frame: HeapNode['callFrame']) => string {
  const mapOf = sourceMapsBeside();
  return (frame) => {
    const name = frame.functionName || '(anonymous)';
    if (frame.url === '') return `${name} (native)`;
    const entry: { originalSource?: string; originalLine?: number } | undefined = mapOf(
      frame.url,
    )?.findEntry(frame.lineNumber, frame.columnNumber);
    const source = (entry?.originalSource ?? frame.url)
      .replace(/^webpack:\/\/[^/]*\//, '')
      .replace(/^.*node_modules\//, '');
    const line = entry?.originalLine ?? frame.lineNumber;
    return `${name} (${source}:${line + 1})`;
  };
}

/**
 * Bytes by allocation site. A site inside a native or a Node builtin (a
 * string concatenation, JSON.stringify, a Buffer) is named with the nearest
 * caller from the bundle, which is the code that asked for it.
 */
function sitesOf(
  head: HeapNode,
  name: (frame: HeapNode['callFrame']) => string,
): Map<string, number> {
  const sites = new Map<string, number>();
  const walk = (node: HeapNode, caller: string | undefined): void => {
    const own = name(node.callFrame);
    const fromBundle = node.callFrame.url.includes('/dist/');
    const site = fromBundle || caller === undefined ? own : `${own} ← ${caller}`;
    if (node.selfSize > 0) sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, fromBundle ? own : caller);
  };
  walk(head, undefined);
  return sites;
}

type Mode = 'forward' | 'local' | 'onnx';

/** The route a mode posts to and the body it sends. */
function requestOf(mode: Mode): { path: string; body: string } {
  return mode === 'onnx'
    ? { path: ONNX_INFER_PATH, body: ONNX_INFER_BODY }
    : {
        path: '/process',
        body: JSON.stringify({
          data: 'wags its tail when I come home',
          forward_to_model: mode === 'forward',
        }),
      };
}

async function load(system: System, mode: Mode, connections: number, amount: number) {
  const { path, body } = requestOf(mode);
  const result = await autocannon({
    url: `${system.url}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...system.headers },
    body,
    connections,
    amount,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx and ${result.errors} errors under load`);
  return result.requests.total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      mode: { type: 'string', default: 'forward' },
      requests: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '5000' },
      connections: { type: 'string', default: '64' },
      top: { type: 'string', default: '30' },
      interval: { type: 'string', default: '1024' },
      /** Also write the raw sampling profile here (a .heapprofile for Chrome DevTools' Memory tab). */
      save: { type: 'string' },
    },
  });
  const { mode } = values;
  if (mode !== 'forward' && mode !== 'local' && mode !== 'onnx')
    throw new Error(`--mode is forward, local or onnx, not ${mode}`);
  const requests = Number(values.requests);
  const connections = Number(values.connections);
  const inspectPort = await freePort();
  const system = await startOurs(1, {
    gatewayNodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
    onnx: mode === 'onnx',
  });
  const inspector = await Inspector.connect(inspectPort);
  try {
    await load(system, mode, connections, Number(values.warmup));
    await inspector.send('HeapProfiler.enable');
    await inspector.send('HeapProfiler.startSampling', {
      samplingInterval: Number(values.interval),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await inspector.evaluate(START_COUNTING);
    const answered = await load(system, mode, connections, requests);
    const { allocated, gcs } = await inspector.evaluate<{ allocated: number; gcs: number }>(
      STOP_COUNTING,
    );
    const { profile } = await inspector.send<{ profile: { head: HeapNode } }>(
      'HeapProfiler.stopSampling',
    );
    if (values.save) writeFileSync(values.save, JSON.stringify(profile));
    const sites = sitesOf(profile.head, frameNamer());
    const sampled = [...sites.values()].reduce((sum, bytes) => sum + bytes, 0);
    console.log(
      `POST ${requestOf(mode).path} ${mode}, ${connections} connections, ${answered} requests: ` +
        `${Math.round(allocated / answered)} bytes allocated per request (${gcs} GCs); ` +
        `sampled sites sum to ${Math.round(sampled / answered)} per request`,
    );
    for (const [site, bytes] of [...sites]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(values.top))) {
      console.log(
        `${Math.round(bytes / answered)
          .toString()
          .padStart(7)}  ${site}`,
      );
    }
  } finally {
    inspector.close();
    await stopAll();
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
