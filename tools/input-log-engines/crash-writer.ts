/**
 * The process the crash test SIGKILLs: opens an engine and appends inputs
 * from `concurrency` writers, printing each id on stdout only after the
 * engine said it is durable (stdout to a pipe is synchronous on Linux, so a
 * printed id has left this process). An outcome follows each input, as on
 * the request path.
 *
 * Usage: crash-writer <engine> <dir> <concurrency> <id prefix>
 */
import { isEngineName, openEngine } from './engines';

async function main(): Promise<void> {
  const [engine = '', dir = '', concurrency = '8', prefix = 'r'] = process.argv.slice(2);
  if (!isEngineName(engine) || !dir)
    throw new Error('usage: crash-writer <engine> <dir> <concurrency> <prefix>');
  const { store } = await openEngine(engine, dir);
  process.stdout.write('ready\n');
  const data = 'wags its tail when I come home';
  const writer = async (w: number): Promise<void> => {
    for (let n = 0; ; n++) {
      const id = `${prefix}-${w}-${n}`;
      const started = Date.now();
      await store.appendInput({
        id,
        received_at: new Date(started).toISOString(),
        data,
        forward_to_model: false,
      });
      store.recordOutcome(id, { status: 'logged', latency_ms: Date.now() - started });
      process.stdout.write(`${id}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, (_, w) => writer(w)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
