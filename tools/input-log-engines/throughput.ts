import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openEngine } from './engines';
import type { EngineName } from './engines';
import { summarizeThroughput } from './measure';
import type { ThroughputResult } from './measure';

/** The gateway's bench input, so records are the size the request path writes. */
const DATA = 'wags its tail when I come home';

/**
 * Durable appends from `concurrency` writers in one process for `seconds`
 * (after `warmupSeconds`): each awaits its input (durable), records its
 * outcome without waiting, as the request path does, and goes again.
 */
export async function runThroughput(
  engine: EngineName,
  dir: string,
  concurrency: number,
  seconds: number,
  warmupSeconds: number,
): Promise<ThroughputResult> {
  const opened = await openEngine(engine, dir);
  const store = opened.store;
  const latencies: number[] = [];
  const warmupEnds = performance.now() + warmupSeconds * 1000;
  const stopAt = performance.now() + (warmupSeconds + seconds) * 1000;
  let n = 0;
  const writer = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const id = `t-${n++}`;
      const started = performance.now();
      await store.appendInput({
        id,
        received_at: new Date().toISOString(),
        data: DATA,
        forward_to_model: false,
      });
      const took = performance.now() - started;
      store.recordOutcome(id, { status: 'logged', latency_ms: took });
      if (started >= warmupEnds) latencies.push(took);
    }
  };
  // What the engine costs the event loop (the gateway's request path) and the process's CPU, while measured.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const window: { cpuAtStart?: NodeJS.CpuUsage } = {};
  const startMeasuring = setTimeout(() => {
    window.cpuAtStart = process.cpuUsage();
    loopDelay.enable();
  }, warmupSeconds * 1000);
  await Promise.all(Array.from({ length: concurrency }, () => writer()));
  clearTimeout(startMeasuring);
  loopDelay.disable();
  const cpu = process.cpuUsage(window.cpuAtStart);
  const measured = (performance.now() - warmupEnds) / 1000;
  await opened.close();
  return {
    ...summarizeThroughput(concurrency, latencies, measured),
    cpuUsPerAppend: latencies.length > 0 ? (cpu.user + cpu.system) / latencies.length : Number.NaN,
    loopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : Number.NaN,
  };
}
